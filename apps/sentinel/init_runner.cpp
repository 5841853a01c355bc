#include "init_runner.hpp"

#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "init_script.hpp"
#include "secret_input.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::sentinel {
namespace {

constexpr std::string_view kLog = "sentinel";

std::chrono::milliseconds Millis(const kernel::EnvLookup& env, const char* name) {
  std::string text = env ? env(name).value_or("") : "";
  int64_t ms = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || ptr != text.data() + text.size() || ms < 0) ms = 0;
  return std::chrono::milliseconds(ms);
}

// Waits until the Safe answers a list request (VSecM's connectivity check).
Status AwaitSafe(client::SafeClient& safe, const InitOptions& options) {
  for (;;) {
    StatusOr<std::vector<client::SecretSummary>> list = safe.List();
    if (list.ok()) return Status::Ok();
    if (list.status().code() != StatusCode::kUnavailable) return list.status();
    kernel::LogWarning(kLog, "{}; trying again in {} s", list.status().message(),
                       options.extended_wait.count() / 1000);
    std::this_thread::sleep_for(options.extended_wait);
  }
}

}  // namespace

InitOptions InitOptionsFromEnvironment(const kernel::EnvLookup& env, const std::string& file) {
  InitOptions options;
  std::string from_env = env ? env("VSECM_SENTINEL_INIT_COMMAND_PATH").value_or("") : "";
  options.file = !file.empty() ? file : !from_env.empty() ? from_env : kDefaultInitCommandPath;
  options.wait_before_exec = Millis(env, "VSECM_SENTINEL_INIT_COMMAND_WAIT_BEFORE_EXEC");
  options.wait_after_complete = Millis(env, "VSECM_SENTINEL_INIT_COMMAND_WAIT_AFTER_INIT_COMPLETE");
  std::string ns = env ? env("VSECM_NAMESPACE_SYSTEM").value_or("") : "";
  if (!ns.empty()) options.system_namespace = ns;
  return options;
}

Status RunInit(client::SafeClient& safe, const InitOptions& options, const kernel::EnvLookup& env) {
  std::this_thread::sleep_for(options.wait_before_exec);
  VSECM_RETURN_IF_ERROR(AwaitSafe(safe, options));

  VSECM_ASSIGN_OR_RETURN(bool done, safe.KeystoneReady());
  if (done) {
    kernel::LogInfo(kLog, "init commands ran before ({} exists); nothing to do", kKeystoneWorkload);
    return Status::Ok();
  }

  StatusOr<kernel::SecretBytes> text = ReadSecretFile(options.file);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    // As VSecM: no file, no custom initialization — and no keystone either.
    kernel::LogInfo(kLog, "no init command file at {}; skipping custom initialization",
                    options.file);
    return Status::Ok();
  }
  InitScript script = ParseInitScript(text->ExposeText());
  text->Reset();
  for (const std::string& warning : script.warnings) {
    kernel::LogWarning(kLog, "{}: {}", options.file, warning);
  }

  for (const InitStep& step : script.steps) {
    if (step.sleep_ms) {
      kernel::LogInfo(kLog, "{}:{}: sleeping {} ms", options.file, step.line, *step.sleep_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(*step.sleep_ms));
      continue;
    }
    if (step.command.workloads.empty()) continue;  // an empty block: nothing to do
    StatusOr<std::string> result = ExecuteCommand(safe, step.command, env);
    if (!result.ok()) {
      return result.status().WithContext(
          fmt::format("{}: the block ending at line {}", options.file, step.line));
    }
    kernel::LogInfo(kLog, "{}:{}: {} {}", options.file, step.line,
                    step.command.delete_secret ? "deleted" : "registered",
                    fmt::join(step.command.workloads, ","));
  }
  if (script.exit_seen) kernel::LogInfo(kLog, "{}: exit; skipping the rest", options.file);

  client::UpsertRequest keystone;
  keystone.workloads = {kKeystoneWorkload};
  keystone.namespaces = {options.system_namespace};
  keystone.value = kernel::SecretBytes::CopyOf(std::string_view(kKeystoneValue));
  Status marked = safe.Upsert(keystone);
  if (!marked.ok()) return marked.WithContext("cannot write the vsecm-keystone secret");
  std::this_thread::sleep_for(options.wait_after_complete);
  kernel::LogInfo(kLog, "init commands done; {} is set", kKeystoneWorkload);
  return Status::Ok();
}

}  // namespace vsecm::sentinel
