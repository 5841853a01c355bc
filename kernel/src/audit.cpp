#include <algorithm>
#include "vsecm/kernel/audit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "vsecm/kernel/log.hpp"

namespace vsecm::kernel {

const char* ToString(AuditAction action) {
  switch (action) {
    case AuditAction::kCreate: return "create";
    case AuditAction::kUpdate: return "update";
    case AuditAction::kDelete: return "delete";
    case AuditAction::kRead: return "read";
    case AuditAction::kList: return "list";
    case AuditAction::kEncrypt: return "encrypt";
    case AuditAction::kDecrypt: return "decrypt";
    case AuditAction::kRecover: return "recover";
    case AuditAction::kRootKey: return "root-key";
    case AuditAction::kRefuse: return "refuse";
  }
  return "unknown";
}

const char* ToString(AuditOutcome outcome) {
  switch (outcome) {
    case AuditOutcome::kSuccess: return "success";
    case AuditOutcome::kFailure: return "failure";
    case AuditOutcome::kDenied: return "denied";
  }
  return "unknown";
}

std::string FormatAuditLine(const AuditEvent& e) {
  // ordered_json keeps the fields in the documented order for people reading the file.
  nlohmann::ordered_json line;
  line["time"] = FormatRfc3339(e.time);
  line["correlationId"] = e.correlation_id;
  line["actor"] = e.actor;
  line["action"] = ToString(e.action);
  line["target"] = e.target;
  line["outcome"] = ToString(e.outcome);
  line["reason"] = e.reason;
  // `replace` writes invalid UTF-8 as U+FFFD instead of throwing; control characters are
  // always escaped, so the result has no raw newline.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

AuditSink::~AuditSink() = default;

// ---- JsonLinesAuditSink

StatusOr<std::unique_ptr<JsonLinesAuditSink>> JsonLinesAuditSink::Open(std::string_view path,
                                                                       FsyncPolicy fsync) {
  if (path.empty() || path == "-") {
    return std::unique_ptr<JsonLinesAuditSink>(
        new JsonLinesAuditSink(STDERR_FILENO, false, "stderr", fsync));
  }
  const std::string p(path);
  const int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return FailedPrecondition(
          fmt::format("audit journal {}: its directory does not exist", p));
    }
    return FailedPrecondition(fmt::format("audit journal {}: cannot open: {}", p, strerror(err)));
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    LogWarning("audit", "audit journal {} has mode {:04o}; 0600 keeps identities private", p,
               st.st_mode & 07777);
  }
  return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(fd, true, p, fsync));
}

JsonLinesAuditSink::~JsonLinesAuditSink() {
  if (owns_fd_) ::close(fd_);
}

void JsonLinesAuditSink::ReportFailure(std::string_view what, int err) {
  failures_.fetch_add(1);
  if (reported_) return;
  reported_ = true;
  LogError("audit", "cannot {} audit journal {}: {}; later failures are only counted", what,
           path_, strerror(err));
}

void JsonLinesAuditSink::Record(const AuditEvent& event) {
  std::string line;
  try {
    line = FormatAuditLine(event);
  } catch (...) {  // only std::bad_alloc can get here
    failures_.fetch_add(1);
    return;
  }
  std::unique_lock lock(mutex_);
  // After a write that stopped mid-line, start on a fresh line so this event stays parseable.
  if (partial_line_) line.insert(line.begin(), '\n');
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      partial_line_ = done != 0 || partial_line_;
      ReportFailure("write", n < 0 ? errno : EIO);
      return;
    }
    done += static_cast<size_t>(n);
  }
  partial_line_ = false;
  if (fsync_ != FsyncPolicy::kEveryRecord || !owns_fd_) return;
  // Group commit: the event is durable before Record returns, but one fdatasync covers every
  // line written before it started, so concurrent requests share a sync instead of queueing
  // for one each.
  const uint64_t mine = ++written_;
  while (synced_ < mine) {
    if (syncing_) {
      synced_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t covers = written_;
    lock.unlock();
    const bool ok = ::fdatasync(fd_) == 0;
    const int error = errno;
    lock.lock();
    if (!ok) ReportFailure("sync", error);
    synced_ = std::max(synced_, covers);
    syncing_ = false;
    synced_cv_.notify_all();
  }
}

// ---- MemoryAuditSink

void MemoryAuditSink::Record(const AuditEvent& event) {
  std::lock_guard lock(mutex_);
  try {
    events_.push_back(event);
  } catch (...) {  // std::bad_alloc: a sink never throws into the caller
  }
}

std::vector<AuditEvent> MemoryAuditSink::Events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

void MemoryAuditSink::Clear() {
  std::lock_guard lock(mutex_);
  events_.clear();
}

std::string NewCorrelationId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // A correlation id only has to be unique, not secret; do not fail a request over it.
    std::random_device rd;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < sizeof(bytes); ++i) {
    id[2 * i] = kHex[bytes[i] >> 4];
    id[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return id;
}

}  // namespace vsecm::kernel
