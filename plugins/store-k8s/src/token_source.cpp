#include "vsecm/k8s/token_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "file_util.hpp"

namespace vsecm::k8s {

Status TokenSource::Load() {
  if (path_.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  bool changed = false;
  return ReadLocked(&changed);
}

Status TokenSource::ReadLocked(bool* changed) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return FailedPrecondition(fmt::format("service account token {}: {}", path_,
                                          std::strerror(errno)));
  }
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes fresh,
                         internal::ReadSecretFile(path_, "service account token"));
  if (fresh.empty()) {
    return FailedPrecondition(fmt::format("service account token {}: the file is empty", path_));
  }
  *changed = !(fresh.size() == token_.size() && fresh.Equals(token_.Expose()));
  token_ = std::move(fresh);
  stamp_ = {st.st_ino, st.st_size, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  last_check_ = Clock::now();
  return Status::Ok();
}

Status TokenSource::Use(const std::function<void(std::string_view token)>& use) {
  std::lock_guard lock(mu_);
  if (!path_.empty() && (token_.empty() || Clock::now() - last_check_ >= recheck_)) {
    struct stat st {};
    const bool stat_ok = ::stat(path_.c_str(), &st) == 0;
    const FileStamp now{stat_ok ? st.st_ino : 0, stat_ok ? st.st_size : -1,
                        stat_ok ? int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec
                                : 0};
    if (token_.empty() || !(now == stamp_)) {
      bool changed = false;
      Status s = ReadLocked(&changed);
      // While a rotation is in flight the file may be briefly missing: keep the old token.
      if (!s.ok() && token_.empty()) return s;
    }
    last_check_ = Clock::now();
  }
  use(token_.ExposeText());
  return Status::Ok();
}

StatusOr<kernel::SecretBytes> TokenSource::Current() {
  kernel::SecretBytes copy;
  VSECM_RETURN_IF_ERROR(Use([&copy](std::string_view token) {
    copy = kernel::SecretBytes::CopyOf(token);
  }));
  return copy;
}

StatusOr<bool> TokenSource::Refresh() {
  if (path_.empty()) return false;
  std::lock_guard lock(mu_);
  bool changed = false;
  VSECM_RETURN_IF_ERROR(ReadLocked(&changed));
  return changed;
}

}  // namespace vsecm::k8s
