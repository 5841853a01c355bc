#include "vsecm/kernel/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include <fmt/chrono.h>

namespace vsecm::kernel {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogCapture> g_capture{nullptr};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
}

}  // namespace

void SetLogLevel(LogLevel level) noexcept { g_level = level; }
LogLevel GetLogLevel() noexcept { return g_level; }

bool ParseLogLevel(std::string_view text, LogLevel* out) noexcept {
  // VSecM's numeric levels: 1 fatal, 2 error, 3 warn, 4 info, 5 debug, 6 trace.
  if (text == "debug" || text == "5" || text == "6" || text == "trace") *out = LogLevel::kDebug;
  else if (text == "info" || text == "4") *out = LogLevel::kInfo;
  else if (text == "warn" || text == "3") *out = LogLevel::kWarn;
  else if (text == "error" || text == "2" || text == "1" || text == "fatal") *out = LogLevel::kError;
  else return false;
  return true;
}

void SetLogCaptureForTesting(LogCapture capture) noexcept { g_capture = capture; }

void WriteLog(LogLevel level, std::string_view component, std::string_view message) noexcept {
  if (level < g_level.load()) return;
  try {
    auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::string line = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {} {}: ", now, LevelName(level), component);
    AppendEscaped(line, message);
    line += '\n';
    if (LogCapture capture = g_capture.load()) {
      capture(level, line);
      return;
    }
    // One write(2) per line keeps lines from interleaving between threads.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
  } catch (...) {
    // Logging must never take the Safe down.
  }
}

}  // namespace vsecm::kernel
