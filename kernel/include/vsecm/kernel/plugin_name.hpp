// The one rule for plugin names, for plugin descriptors and configuration alike.
#ifndef VSECM_KERNEL_PLUGIN_NAME_HPP_
#define VSECM_KERNEL_PLUGIN_NAME_HPP_

#include <string_view>

namespace vsecm::kernel {

// 1 to 128 of [a-z0-9._-], starting with a letter or digit (the file is <name>.so in the plugin
// directory). Byte ranges, not <cctype>: the answer does not depend on the process's locale.
bool IsValidPluginName(std::string_view name);

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PLUGIN_NAME_HPP_
