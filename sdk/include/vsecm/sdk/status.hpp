// vsecm::Status and vsecm::StatusOr<T>: the error type of the kernel, the SDK and the plugins.
//
// A Status is a code from the C ABI's frozen set plus a message for operators. Messages say what
// failed and where (a key, a file, a line), never a secret value. C++20 has no std::expected, so
// StatusOr is a small variant wrapper.
#ifndef VSECM_SDK_STATUS_HPP_
#define VSECM_SDK_STATUS_HPP_

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "vsecm/abi/vsecm_plugin.h"

namespace vsecm {

enum class StatusCode : int32_t {
  kOk = VSECM_OK,
  kInvalidArgument = VSECM_INVALID_ARGUMENT,
  kNotFound = VSECM_NOT_FOUND,
  kAlreadyExists = VSECM_ALREADY_EXISTS,
  kPermissionDenied = VSECM_PERMISSION_DENIED,
  kFailedPrecondition = VSECM_FAILED_PRECONDITION,
  kUnavailable = VSECM_UNAVAILABLE,
  kResourceExhausted = VSECM_RESOURCE_EXHAUSTED,
  kIntegrityFailure = VSECM_INTEGRITY_FAILURE,
  kDataLoss = VSECM_DATA_LOSS,
  kUnimplemented = VSECM_UNIMPLEMENTED,
  kInternal = VSECM_INTERNAL,
};

// Maps a status that crossed the C ABI to a known code; unknown values become kInternal.
inline StatusCode StatusCodeFromC(vsecm_status status) {
  return (status >= VSECM_OK && status <= VSECM_INTERNAL) ? static_cast<StatusCode>(status)
                                                          : StatusCode::kInternal;
}

inline const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kAlreadyExists: return "already exists";
    case StatusCode::kPermissionDenied: return "permission denied";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kResourceExhausted: return "resource exhausted";
    case StatusCode::kIntegrityFailure: return "integrity failure";
    case StatusCode::kDataLoss: return "data loss";
    case StatusCode::kUnimplemented: return "unimplemented";
    case StatusCode::kInternal: return "internal";
  }
  return "internal";
}

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // "invalid argument: plugins.store.name: unknown plugin"
  std::string ToString() const {
    if (ok()) return "ok";
    return std::string(StatusCodeName(code_)) + ": " + message_;
  }

  // Returns a copy whose message is prefixed with context: "loading store plugin: ...".
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(code_, std::string(context) + ": " + message_);
  }

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status IntegrityFailure(std::string m) { return {StatusCode::kIntegrityFailure, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains its absence.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "StatusOr given ok status");
  }

  bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<Status, T> v_;
};

// Thrown inside plugin code by the SDK's helpers; the export trampolines turn it back into a
// status code at the C boundary. Kernel code does not throw it.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const Status& status() const noexcept { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

}  // namespace vsecm

#define VSECM_CONCAT_INNER_(a, b) a##b
#define VSECM_CONCAT_(a, b) VSECM_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` yields a non-ok Status.
#define VSECM_RETURN_IF_ERROR(expr)                     \
  do {                                                  \
    ::vsecm::Status vsecm_status_ = (expr);             \
    if (!vsecm_status_.ok()) return vsecm_status_;      \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define VSECM_ASSIGN_OR_RETURN(lhs, expr) \
  VSECM_ASSIGN_OR_RETURN_IMPL_(VSECM_CONCAT_(vsecm_statusor_, __LINE__), lhs, expr)
#define VSECM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // VSECM_SDK_STATUS_HPP_
