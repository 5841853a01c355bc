#include "vsecm/kernel/plugin_library.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <utility>
#include <memory>

#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/abi/vsecm_transform.h"
#include "vsecm/kernel/plugin_name.hpp"

namespace vsecm::kernel {
namespace {

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string Errno() { return strerror(errno); }

// The file and its directory must not be replaceable by anyone but root.
Status CheckOwnership(const std::string& path, const struct stat& st) {
  if (st.st_uid != 0) {
    return PermissionDenied(fmt::format("{}: owned by uid {}, expected root (uid 0)", path, st.st_uid));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return PermissionDenied(fmt::format("{}: mode {:04o} lets group or others write it; expected "
                                        "at most 0755", path, st.st_mode & 07777));
  }
  std::string dir = path.substr(0, path.find_last_of('/'));
  if (dir.empty()) dir = "/";
  struct stat dst;
  if (::stat(dir.c_str(), &dst) != 0) {
    return PermissionDenied(fmt::format("{}: cannot stat its directory: {}", path, Errno()));
  }
  if (dst.st_uid != 0 || (dst.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return PermissionDenied(fmt::format(
        "{}: directory {} is owned by uid {} with mode {:04o}; expected root-owned and not "
        "writable by group or others", path, dir, dst.st_uid, dst.st_mode & 07777));
  }
  return Status::Ok();
}

// Confirms that the code at `address` is mapped from the file described by `st`. dlopen matches
// already-loaded objects by name, so a stale object loaded under the same /proc/self/fd name
// (one that could not be unloaded) would otherwise be returned in place of the file we hashed.
Status CheckMappedFrom(const std::string& path, const void* address, const struct stat& st) {
  const auto target = reinterpret_cast<uintptr_t>(address);
  std::unique_ptr<FILE, int (*)(FILE*)> maps(::fopen("/proc/self/maps", "re"), &::fclose);
  if (!maps) return Internal(path + ": cannot read /proc/self/maps to verify the mapping");
  char line[4096];
  while (::fgets(line, sizeof line, maps.get()) != nullptr) {
    unsigned long lo = 0, hi = 0, offset = 0, inode = 0;
    unsigned int dev_major = 0, dev_minor = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &offset, &dev_major,
                    &dev_minor, &inode) != 7) {
      continue;
    }
    if (target < lo || target >= hi) continue;
    if (dev_major == major(st.st_dev) && dev_minor == minor(st.st_dev) && inode == st.st_ino) {
      return Status::Ok();
    }
    return PermissionDenied(path + ": the loaded code does not come from the verified file (an "
                                   "object loaded earlier under the same name was returned)");
  }
  return PermissionDenied(path + ": cannot find the loaded code's mapping");
}

// Each kind's function table, as far as ABI 1.0 defines it.
size_t MinimumFunctionTableSize(vsecm_plugin_kind kind) {
  switch (kind) {
    case VSECM_KIND_CRYPTO: return offsetof(vsecm_crypto_v1, decrypt) + sizeof(void*);
    case VSECM_KIND_STORE: return offsetof(vsecm_store_v1, list) + sizeof(void*);
    case VSECM_KIND_TRANSFORM: return offsetof(vsecm_transform_v1, apply) + sizeof(void*);
    default: return 0;
  }
}

bool FunctionTableComplete(vsecm_plugin_kind kind, const void* table) {
  switch (kind) {
    case VSECM_KIND_CRYPTO: {
      auto* t = static_cast<const vsecm_crypto_v1*>(table);
      return t->algorithm && t->set_keys && t->encrypt && t->decrypt;
    }
    case VSECM_KIND_STORE: {
      auto* t = static_cast<const vsecm_store_v1*>(table);
      return t->put && t->get && t->remove && t->list;
    }
    case VSECM_KIND_TRANSFORM:
      return static_cast<const vsecm_transform_v1*>(table)->apply != nullptr;
    default:
      return false;
  }
}

Status ValidateDescriptor(const std::string& path, const vsecm_plugin_descriptor* d,
                          const PluginLoadOptions& options) {
  constexpr size_t kMinimumSize = offsetof(vsecm_plugin_descriptor, functions) + sizeof(void*);
  if (d == nullptr) return InvalidArgument(path + ": the entry symbol returned no descriptor");
  if (d->struct_size < kMinimumSize) {
    return InvalidArgument(fmt::format("{}: descriptor is {} bytes, ABI 1.0 needs at least {}", path,
                                       d->struct_size, kMinimumSize));
  }
  if (d->abi_major != VSECM_ABI_VERSION_MAJOR || d->abi_minor > VSECM_ABI_VERSION_MINOR) {
    return FailedPrecondition(fmt::format(
        "{}: built for plugin ABI {}.{}, this Safe speaks ABI {}.{} (same major, minor at most {})",
        path, d->abi_major, d->abi_minor, VSECM_ABI_VERSION_MAJOR, VSECM_ABI_VERSION_MINOR,
        VSECM_ABI_VERSION_MINOR));
  }
  if (MinimumFunctionTableSize(d->kind) == 0) {
    return InvalidArgument(fmt::format("{}: unknown plugin kind {}", path, d->kind));
  }
  if (options.expected_kind && d->kind != *options.expected_kind) {
    return FailedPrecondition(fmt::format("{}: is a {} plugin, expected a {} plugin", path,
                                          PluginKindName(d->kind),
                                          PluginKindName(*options.expected_kind)));
  }
  if (d->name == nullptr || !IsValidPluginName(d->name)) {
    return InvalidArgument(path + ": descriptor name is missing or not [a-z0-9][a-z0-9._-]*");
  }
  std::string stem = path.substr(path.find_last_of('/') + 1);
  stem = stem.substr(0, stem.size() - 3);  // ".so"
  if (stem != d->name || (options.expected_name && *options.expected_name != d->name)) {
    return FailedPrecondition(fmt::format("{}: descriptor name is \"{}\", expected \"{}\"", path,
                                          d->name, options.expected_name.value_or(stem)));
  }
  if (d->version == nullptr || d->create == nullptr || d->destroy == nullptr ||
      d->functions == nullptr) {
    return InvalidArgument(path + ": descriptor lacks version, create, destroy or functions");
  }
  const auto* table_size = static_cast<const uint32_t*>(d->functions);
  if (*table_size < MinimumFunctionTableSize(d->kind) ||
      !FunctionTableComplete(d->kind, d->functions)) {
    return InvalidArgument(fmt::format("{}: the {} function table is incomplete", path,
                                       PluginKindName(d->kind)));
  }
  for (uint32_t i = 0; i < d->config_field_count; ++i) {
    const vsecm_config_field& f = d->config_fields[i];
    if (f.name == nullptr || f.type < VSECM_CONFIG_STRING || f.type > VSECM_CONFIG_BOOLEAN) {
      return InvalidArgument(fmt::format("{}: configuration field {} is malformed", path, i));
    }
  }
  return Status::Ok();
}

}  // namespace

const char* PluginKindName(vsecm_plugin_kind kind) {
  switch (kind) {
    case VSECM_KIND_CRYPTO: return "crypto";
    case VSECM_KIND_STORE: return "store";
    case VSECM_KIND_TRANSFORM: return "transform";
    default: return "unknown";
  }
}

PluginLibrary::~PluginLibrary() {
  library_.reset();
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<std::string> Sha256OfFile(int fd) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("cannot initialize SHA-256");
  }
  std::array<uint8_t, 65536> buf;
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable("cannot read the file: " + Errno());
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    offset += n;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

StatusOr<std::string> PluginPath(const std::string& directory, std::string_view name) {
  if (!IsValidPluginName(name)) {
    return InvalidArgument(fmt::format("plugin name \"{}\" is not [a-z0-9][a-z0-9._-]*", name));
  }
  if (directory.empty() || directory.front() != '/') {
    return InvalidArgument(fmt::format("plugin directory \"{}\" is not an absolute path", directory));
  }
  return fmt::format("{}/{}.so", directory, name);
}

StatusOr<std::shared_ptr<PluginLibrary>> LoadPluginLibrary(const std::string& path,
                                                           const PluginLoadOptions& options) {
  if (path.empty() || path.front() != '/' || path.size() < 4 ||
      path.compare(path.size() - 3, 3, ".so") != 0) {
    return InvalidArgument(fmt::format("plugin path \"{}\" is not an absolute path to a .so file",
                                       path));
  }
  // O_NONBLOCK: a FIFO named *.so is refused below instead of blocking start-up.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return NotFound(path + ": no such plugin file");
    if (errno == ELOOP) return PermissionDenied(path + ": is a symbolic link; plugins are loaded "
                                                       "only from regular files");
    return Unavailable(fmt::format("{}: cannot open: {}", path, Errno()));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Unavailable(fmt::format("{}: fstat: {}", path, Errno()));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + ": not a regular file");
  if (options.trust == PluginTrust::kProduction) VSECM_RETURN_IF_ERROR(CheckOwnership(path, st));

  VSECM_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(fd.get()));
  if (options.sha256_pin) {
    std::string pin = *options.sha256_pin;
    std::transform(pin.begin(), pin.end(), pin.begin(), [](unsigned char c) { return std::tolower(c); });
    if (pin != sha256) {
      return PermissionDenied(fmt::format("{}: SHA-256 is {}, the configuration pins {}", path,
                                          sha256, pin));
    }
  }

  auto plugin = std::shared_ptr<PluginLibrary>(new PluginLibrary());
  plugin->path_ = path;
  plugin->sha256_ = sha256;
  plugin->library_ = std::make_unique<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  // Map the descriptor we hashed, not the path, which could have been replaced since.
  plugin->library_->load(fmt::format("/proc/self/fd/{}", fd.get()),
                         boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  plugin->fd_ = fd.Release();
  if (ec) return InvalidArgument(fmt::format("{}: cannot load: {}", path, ec.message()));
  if (!plugin->library_->has(VSECM_PLUGIN_ENTRY_SYMBOL)) {
    return InvalidArgument(fmt::format("{}: has no entry symbol {} (not a VSecM plugin, or built "
                                       "for another ABI)", path, VSECM_PLUGIN_ENTRY_SYMBOL));
  }
  auto& entry = plugin->library_->get<const vsecm_plugin_descriptor*()>(VSECM_PLUGIN_ENTRY_SYMBOL);
  VSECM_RETURN_IF_ERROR(CheckMappedFrom(path, reinterpret_cast<const void*>(&entry), st));
  plugin->descriptor_ = entry();
  VSECM_RETURN_IF_ERROR(ValidateDescriptor(path, plugin->descriptor_, options));
  return plugin;
}

StatusOr<std::vector<PluginScanEntry>> ScanPluginDirectory(const std::string& directory,
                                                           const PluginLoadOptions& options) {
  struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, DirCloser> dir(::opendir(directory.c_str()));
  if (!dir) return NotFound(fmt::format("plugin directory {}: {}", directory, Errno()));
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<PluginScanEntry> entries;
  for (const std::string& name : names) {
    PluginScanEntry entry;
    entry.path = directory + "/" + name;
    FileDescriptor fd(
        ::open(entry.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat st {};
    if (fd.get() >= 0 && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
      auto sha = Sha256OfFile(fd.get());
      if (sha.ok()) entry.sha256 = *sha;
    }
    auto loaded = LoadPluginLibrary(entry.path, options);
    if (loaded.ok()) {
      entry.library = *loaded;
    } else {
      entry.refusal = loaded.status();
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace vsecm::kernel
