// Watching a running `vsecm-safe dev` from outside, for the connection tests: its metrics, its
// memory and descriptors as the kernel counts them (/proc/PID), and where its API listens.
// Everything here waits for conditions with generous deadlines and asserts nothing on time.
#ifndef VSECM_TESTS_SAFE_SAFE_OBSERVE_HPP_
#define VSECM_TESTS_SAFE_SAFE_OBSERVE_HPP_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "dev_safe.hpp"

namespace vsecm::testing {

// A counter or gauge from the Safe's metrics endpoint (`name` may carry its labels, e.g.
// vsecm_safe_tls_handshakes_refused_total{reason="budget"}); -1 when absent.
inline double Metric(const DevSafe& safe, const std::string& name) {
  std::string text = safe.Plain(safe.endpoints()["metrics"]).body;
  std::string escaped = std::regex_replace(name, std::regex(R"([{}\[\]().*+?^$|\\])"), R"(\$&)");
  std::smatch m;
  if (std::regex_search(text, m, std::regex("(^|\n)" + escaped + " (-?[0-9.e+]+)"))) {
    return std::stod(m[2]);
  }
  return -1;
}

// Polls until `accept` is true (connections end asynchronously on the server); false after
// `timeout`.
inline bool WaitFor(const std::function<bool()>& accept,
                    std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (accept()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return accept();
}

inline bool WaitForMetric(const DevSafe& safe, const std::string& name,
                          const std::function<bool(double)>& accept,
                          std::chrono::seconds timeout = std::chrono::seconds(30)) {
  return WaitFor([&] { return accept(Metric(safe, name)); }, timeout);
}

// A "VmRSS:"-style line of /proc/PID/status, in KiB; -1 when absent.
inline long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

inline size_t OpenDescriptors(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

inline uint16_t PortOf(const std::string& url) {  // http(s)://127.0.0.1:PORT[/...]
  size_t colon = url.rfind(':');
  return static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
}

inline boost::asio::ip::tcp::endpoint ApiEndpoint(const DevSafe& safe) {
  return {boost::asio::ip::make_address("127.0.0.1"), PortOf(safe.endpoints()["api"])};
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SAFE_SAFE_OBSERVE_HPP_
