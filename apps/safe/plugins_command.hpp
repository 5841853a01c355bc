// `vsecm-safe plugins`: what the plugin directory holds, and why any file was refused.
#ifndef VSECM_APPS_SAFE_PLUGINS_COMMAND_HPP_
#define VSECM_APPS_SAFE_PLUGINS_COMMAND_HPP_

namespace vsecm::safe {

int RunPluginsCommand(int argc, char** argv);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_PLUGINS_COMMAND_HPP_
