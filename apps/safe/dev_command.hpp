// `vsecm-safe dev --dir DIR`: a complete local Safe with no cluster.
#ifndef VSECM_APPS_SAFE_DEV_COMMAND_HPP_
#define VSECM_APPS_SAFE_DEV_COMMAND_HPP_

namespace vsecm::safe {

int RunDevCommand(int argc, char** argv);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_DEV_COMMAND_HPP_
