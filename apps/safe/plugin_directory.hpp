// Where the Safe looks for plugins when the configuration does not say.
#ifndef VSECM_APPS_SAFE_PLUGIN_DIRECTORY_HPP_
#define VSECM_APPS_SAFE_PLUGIN_DIRECTORY_HPP_

#include <string>

namespace vsecm::safe {

// <directory of this executable>/../lib/vsecm/plugins, normalized: the same relative layout in
// the build tree and in an installed prefix (/usr/bin → /usr/lib/vsecm/plugins).
std::string DefaultPluginDirectory();

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_PLUGIN_DIRECTORY_HPP_
