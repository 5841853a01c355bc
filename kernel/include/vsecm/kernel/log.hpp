// The kernel's operator log: one line per event on stderr, "time level component: message".
// Messages never carry secret values; SecretBytes cannot be formatted (it has no formatter),
// so passing one here fails to compile.
#ifndef VSECM_KERNEL_LOG_HPP_
#define VSECM_KERNEL_LOG_HPP_

#include <string_view>

#include <fmt/format.h>

namespace vsecm::kernel {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below this level are dropped. Default kInfo; VSECM_LOG_LEVEL (VSecM's variable:
// 1=fatal … 6=trace, or a name: debug/info/warn/error) sets it in apps.
void SetLogLevel(LogLevel level) noexcept;
LogLevel GetLogLevel() noexcept;
bool ParseLogLevel(std::string_view text, LogLevel* out) noexcept;

// Writes one line; control characters in `message` are escaped so a line is always one line.
void WriteLog(LogLevel level, std::string_view component, std::string_view message) noexcept;

// Test hook: receives every line instead of stderr while set (nullptr restores stderr).
using LogCapture = void (*)(LogLevel, std::string_view line);
void SetLogCaptureForTesting(LogCapture capture) noexcept;

template <class... Args>
void LogInfo(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLogLevel() <= LogLevel::kInfo)
    WriteLog(LogLevel::kInfo, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogWarning(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLogLevel() <= LogLevel::kWarn)
    WriteLog(LogLevel::kWarn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogError(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  WriteLog(LogLevel::kError, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogDebug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (GetLogLevel() <= LogLevel::kDebug)
    WriteLog(LogLevel::kDebug, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_LOG_HPP_
