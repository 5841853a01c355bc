#include "load_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

namespace vsecm::bench {
namespace {

// A whole number in [lo, hi], or an error naming the option.
StatusOr<long long> Number(std::string_view option, const std::string& text, long long lo,
                           long long hi) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return InvalidArgument(fmt::format("{}: \"{}\" is not a whole number in {}..{}", option,
                                       text.substr(0, 32), lo, hi));
  }
  return v;
}

StatusOr<std::chrono::milliseconds> Seconds(std::string_view option, const std::string& text,
                                            double lo, double hi) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    return InvalidArgument(fmt::format("{}: \"{}\" is not a number of seconds in {}..{}", option,
                                       text.substr(0, 32), lo, hi));
  }
  return std::chrono::milliseconds(static_cast<long long>(v * 1000.0));
}

}  // namespace

StatusOr<LoadOptions> ParseLoadOptions(int argc, char** argv) {
  LoadOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return InvalidArgument(fmt::format("{}: missing value (or unknown)", arg));
    std::string value = argv[++i];
    if (arg == "--mode") {
      if (value == "keepalive") {
        o.mode = LoadMode::kKeepAlive;
      } else if (value == "newconn") {
        o.mode = LoadMode::kNewConnections;
      } else {
        return InvalidArgument(fmt::format("--mode: \"{}\" is not keepalive or newconn", value));
      }
    } else if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      VSECM_ASSIGN_OR_RETURN(long long port, Number(arg, value, 1, 65535));
      o.port = static_cast<uint16_t>(port);
    } else if (arg == "--path") {
      if (value.empty() || value.front() != '/' ||
          value.find_first_of(" \r\n") != std::string::npos) {
        return InvalidArgument("--path: must start with '/' and hold no spaces or line breaks");
      }
      o.path = value;
    } else if (arg == "--svid-dir") {
      o.cert_file = value + "/svid.pem";
      o.key_file = value + "/svid_key.pem";
      o.ca_file = value + "/svid_bundle.pem";
    } else if (arg == "--cert") {
      o.cert_file = value;
    } else if (arg == "--key") {
      o.key_file = value;
    } else if (arg == "--ca") {
      o.ca_file = value;
    } else if (arg == "--connections") {
      VSECM_ASSIGN_OR_RETURN(long long n, Number(arg, value, 1, 4096));
      o.connections = static_cast<int>(n);
    } else if (arg == "--threads") {
      VSECM_ASSIGN_OR_RETURN(long long n, Number(arg, value, 1, 64));
      o.threads = static_cast<int>(n);
    } else if (arg == "--duration") {
      VSECM_ASSIGN_OR_RETURN(o.duration, Seconds(arg, value, 0.1, 600));
    } else if (arg == "--warmup") {
      VSECM_ASSIGN_OR_RETURN(o.warmup, Seconds(arg, value, 0, 60));
    } else if (arg == "--timeout") {
      VSECM_ASSIGN_OR_RETURN(o.io_timeout, Seconds(arg, value, 0.1, 60));
    } else if (arg == "--max-requests") {
      VSECM_ASSIGN_OR_RETURN(long long n, Number(arg, value, 1, 1'000'000'000));
      o.max_requests = static_cast<uint64_t>(n);
    } else if (arg == "--expect-status") {
      VSECM_ASSIGN_OR_RETURN(long long n, Number(arg, value, 100, 599));
      o.expect_status = static_cast<int>(n);
    } else if (arg == "--label") {
      o.label = value;
    } else {
      return InvalidArgument(fmt::format("unknown option \"{}\"", arg.substr(0, 40)));
    }
  }
  if (o.port == 0) return InvalidArgument("--port is required");
  if (o.cert_file.empty() || o.key_file.empty() || o.ca_file.empty()) {
    return InvalidArgument("a client certificate is required: --svid-dir, or --cert, --key and --ca");
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(o.host, ec);
  if (ec || !address.is_loopback()) {
    return InvalidArgument(fmt::format("--host: \"{}\" is not a loopback address", o.host));
  }
  if (o.connections == 0) o.connections = o.mode == LoadMode::kKeepAlive ? 64 : 8;
  return o;
}

}  // namespace vsecm::bench
