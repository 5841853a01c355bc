// `vsecm-safe serve` (the default): runs the Safe as configured.
#ifndef VSECM_APPS_SAFE_SERVE_COMMAND_HPP_
#define VSECM_APPS_SAFE_SERVE_COMMAND_HPP_

namespace vsecm::safe {

int RunServeCommand(int argc, char** argv);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SERVE_COMMAND_HPP_
