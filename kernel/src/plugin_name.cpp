#include "vsecm/kernel/plugin_name.hpp"

#include <algorithm>

namespace vsecm::kernel {

bool IsValidPluginName(std::string_view name) {
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 128 || !lower_alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace vsecm::kernel
