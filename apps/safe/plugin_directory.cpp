#include "plugin_directory.hpp"

#include <filesystem>
#include <system_error>

namespace vsecm::safe {

std::string DefaultPluginDirectory() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/lib/vsecm/plugins";
  return (exe.parent_path().parent_path() / "lib" / "vsecm" / "plugins").lexically_normal().string();
}

}  // namespace vsecm::safe
