// The audit journal: every create, update, delete, read and refusal becomes one event — who,
// what, outcome, correlation id — and never a value.
//
// Sinks are thread-safe and never throw: a journal that cannot be written is reported on the
// operator log once and counted, but does not take the Safe down with it.
#ifndef VSECM_KERNEL_AUDIT_HPP_
#define VSECM_KERNEL_AUDIT_HPP_

#include <atomic>
#include <cstdint>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/timestamp.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

enum class AuditAction {
  kCreate, kUpdate, kDelete, kRead, kList, kEncrypt, kDecrypt, kRecover, kRootKey, kRefuse
};
enum class AuditOutcome { kSuccess, kFailure, kDenied };

// "create", "update", "delete", "read", "list", "encrypt", "decrypt", "recover", "root-key",
// "refuse".
const char* ToString(AuditAction action);
// "success", "failure", "denied".
const char* ToString(AuditOutcome outcome);

struct AuditEvent {
  Timestamp time;
  std::string correlation_id;
  std::string actor;   // SPIFFE ID, or "kernel"
  AuditAction action = AuditAction::kRead;
  std::string target;  // secret name(s) or path
  AuditOutcome outcome = AuditOutcome::kSuccess;
  std::string reason;  // a status message; never a value
};

// One journal line, without the newline:
// {"time":"…","correlationId":"…","actor":"…","action":"read","target":"…","outcome":"success","reason":"…"}
// Every string is JSON-escaped (control characters included), so a line is always one line;
// invalid UTF-8 is written as U+FFFD.
std::string FormatAuditLine(const AuditEvent& event);

class AuditSink {
 public:
  virtual ~AuditSink();
  // Thread-safe; never throws.
  virtual void Record(const AuditEvent& event) = 0;
};

enum class FsyncPolicy {
  kNever,        // leave flushing to the kernel's page cache
  kEveryRecord,  // fdatasync after each event: an acknowledged operation's event survives a crash
};

// Appends one JSON object per line to a file or to stderr.
class JsonLinesAuditSink : public AuditSink {
 public:
  // `path` "-" or "" means stderr. A file is opened O_APPEND|O_CLOEXEC and, when it does not
  // exist, created with mode 0600; its directory must exist already.
  static StatusOr<std::unique_ptr<JsonLinesAuditSink>> Open(std::string_view path,
                                                            FsyncPolicy fsync);
  ~JsonLinesAuditSink() override;
  JsonLinesAuditSink(const JsonLinesAuditSink&) = delete;
  JsonLinesAuditSink& operator=(const JsonLinesAuditSink&) = delete;

  // Writes the line with a single write(2) under a mutex, so concurrent events — and other
  // processes appending to the same file — never interleave within a line. With kEveryRecord
  // it returns once the line is synced; concurrent callers share one fdatasync (group commit).
  void Record(const AuditEvent& event) override;

  // Events that could not be written (or synced) since Open.
  uint64_t failures() const noexcept { return failures_.load(); }

 private:
  JsonLinesAuditSink(int fd, bool owns_fd, std::string path, FsyncPolicy fsync)
      : fd_(fd), owns_fd_(owns_fd), path_(std::move(path)), fsync_(fsync) {}
  void ReportFailure(std::string_view what, int err);

  const int fd_;
  const bool owns_fd_;
  const std::string path_;
  const FsyncPolicy fsync_;
  std::mutex mutex_;
  bool reported_ = false;      // guarded by mutex_
  bool partial_line_ = false;  // guarded by mutex_: the last write stopped mid-line
  // Group commit state, guarded by mutex_: lines written, lines known durable, a sync running.
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  bool syncing_ = false;
  std::condition_variable synced_cv_;
  std::atomic<uint64_t> failures_{0};
};

// Keeps events in memory, for tests.
class MemoryAuditSink : public AuditSink {
 public:
  void Record(const AuditEvent& event) override;
  std::vector<AuditEvent> Events() const;
  void Clear();

 private:
  mutable std::mutex mutex_;
  std::vector<AuditEvent> events_;
};

// 128 random bits from the OpenSSL DRBG as 32 lower-case hex characters.
std::string NewCorrelationId();

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_AUDIT_HPP_
