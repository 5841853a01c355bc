// Finding, verifying and loading a plugin's shared object.
//
// The file is opened once (O_NOFOLLOW), checked (regular file; in production mode owned by
// root and writable by nobody else, in a directory of the same kind), hashed through that
// descriptor, compared with the configured SHA-256 pin, and then loaded through the very same
// descriptor (/proc/self/fd/N), so the bytes that were hashed are the bytes that get mapped.
// Only then is the entry symbol called and its descriptor validated against this kernel's ABI.
#ifndef VSECM_KERNEL_PLUGIN_LIBRARY_HPP_
#define VSECM_KERNEL_PLUGIN_LIBRARY_HPP_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/sdk/status.hpp"

namespace boost::dll {
class shared_library;
}

namespace vsecm::kernel {

enum class PluginTrust {
  kProduction,   // files and their directory must be owned by root and not group/other-writable
  kDevelopment,  // ownership is not checked (an explicit, loudly logged choice)
};

struct PluginLoadOptions {
  PluginTrust trust = PluginTrust::kProduction;
  std::optional<vsecm_plugin_kind> expected_kind;  // refuse another kind
  std::optional<std::string> expected_name;        // refuse another descriptor name
  std::optional<std::string> sha256_pin;           // 64 hex characters; refuse another hash
};

const char* PluginKindName(vsecm_plugin_kind kind);  // "crypto", "store", "transform", "unknown"

// A loaded, verified plugin library. Shared by every instance created from it; the library stays
// mapped as long as any holder lives, so no plugin object can outlive its code.
class PluginLibrary {
 public:
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const vsecm_plugin_descriptor& descriptor() const noexcept { return *descriptor_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& sha256() const noexcept { return sha256_; }
  std::string_view name() const noexcept { return descriptor_->name; }
  vsecm_plugin_kind kind() const noexcept { return descriptor_->kind; }

 private:
  friend StatusOr<std::shared_ptr<PluginLibrary>> LoadPluginLibrary(const std::string& path,
                                                                   const PluginLoadOptions&);
  PluginLibrary() = default;

  // Declared before library_ so that it closes after the library is unloaded: while this
  // descriptor is open, no other load can reuse its /proc/self/fd path name.
  int fd_ = -1;
  std::unique_ptr<boost::dll::shared_library> library_;
  const vsecm_plugin_descriptor* descriptor_ = nullptr;
  std::string path_;
  std::string sha256_;
};

// Verifies and loads the plugin at `path` (absolute). Every refusal names the file and says
// what was expected and what was found.
StatusOr<std::shared_ptr<PluginLibrary>> LoadPluginLibrary(const std::string& path,
                                                           const PluginLoadOptions& options);

// The path of plugin `name` in `directory`: "<directory>/<name>.so". Refuses names that are not
// [a-z0-9][a-z0-9._-]* (no path separators, no "..").
StatusOr<std::string> PluginPath(const std::string& directory, std::string_view name);

// One file of a plugin directory, loaded or with the reason it was refused.
struct PluginScanEntry {
  std::string path;
  std::string sha256;  // empty when the file could not be read
  std::shared_ptr<PluginLibrary> library;  // null when refused
  Status refusal;
};

// Every "*.so" in `directory`, sorted by file name, each loaded with `options`.
StatusOr<std::vector<PluginScanEntry>> ScanPluginDirectory(const std::string& directory,
                                                           const PluginLoadOptions& options);

// Lower-case hex SHA-256 of an open file, read from its start.
StatusOr<std::string> Sha256OfFile(int fd);

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PLUGIN_LIBRARY_HPP_
