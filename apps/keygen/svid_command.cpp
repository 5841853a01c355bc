// vsecm-keygen svid: issues an SVID from a development CA (created on first use) into a
// directory, in spiffe-helper's file names, for running VSecM on one machine without SPIRE.
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/identity/svid_files.hpp"

namespace vsecm::keygen {
namespace {

constexpr std::string_view kName = "svid";
constexpr long kMaxTtlHours = 24L * 365 * 10;

void PrintHelp() {
  std::printf(
      "usage: vsecm-keygen svid --ca-dir DIR --spiffe-id ID --out DIR2 [--dns NAME]...\n"
      "                         [--ip ADDR]... [--ttl HOURS]\n"
      "\n"
      "Issues an X.509-SVID from the development CA in DIR (created there on first use: ca.pem,\n"
      "ca_key.pem) and writes DIR2/svid.pem, DIR2/svid_key.pem (mode 0600) and\n"
      "DIR2/svid_bundle.pem (the CA certificate), replacing earlier files atomically.\n"
      "For development only: whoever can read DIR/ca_key.pem can mint any identity.\n"
      "\n"
      "options:\n"
      "  --ca-dir DIR      the development CA's directory (mode 0700)\n"
      "  --spiffe-id ID    the SVID's SPIFFE ID, e.g.\n"
      "                    spiffe://vsecm.com/workload/NAME/ns/NS/sa/SA/n/POD\n"
      "  --out DIR2        where to write the SVID files\n"
      "  --dns NAME        add a DNS SAN (repeatable), e.g. localhost\n"
      "  --ip ADDR         add an IP SAN (repeatable), e.g. 127.0.0.1\n"
      "  --ttl HOURS       validity in hours (default 24, at most 87600)\n"
      "  -h, --help        show this help\n");
}

std::optional<long> ParseHours(const std::string& text) {
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const long hours = std::stol(text);
  if (hours <= 0 || hours > kMaxTtlHours) return std::nullopt;
  return hours;
}

}  // namespace

int RunSvid(std::span<const std::string_view> args) {
  std::optional<std::string> ca_dir, spiffe_id, out, ttl;
  std::vector<std::string> dns, ips;
  std::string error;
  for (size_t i = 0; i < args.size(); ++i) {
    if (IsHelp(args[i])) {
      PrintHelp();
      return kExitOk;
    }
    std::optional<std::string> repeated;
    if (TakeOption(args, &i, "--ca-dir", "", &ca_dir, &error) ||
        TakeOption(args, &i, "--spiffe-id", "", &spiffe_id, &error) ||
        TakeOption(args, &i, "--out", "", &out, &error) ||
        TakeOption(args, &i, "--ttl", "", &ttl, &error)) {
      if (!error.empty()) return UsageError(kName, error);
      continue;
    }
    if (TakeOption(args, &i, "--dns", "", &repeated, &error)) {
      if (!error.empty()) return UsageError(kName, error);
      dns.push_back(*repeated);
      continue;
    }
    if (TakeOption(args, &i, "--ip", "", &repeated, &error)) {
      if (!error.empty()) return UsageError(kName, error);
      ips.push_back(*repeated);
      continue;
    }
    return UsageError(kName, "unexpected argument '" + std::string(args[i]) + "'");
  }
  if (!ca_dir) return UsageError(kName, "--ca-dir is required");
  if (!spiffe_id) return UsageError(kName, "--spiffe-id is required");
  if (!out) return UsageError(kName, "--out is required");
  identity::SvidRequest request;
  request.spiffe_id = *spiffe_id;
  request.dns_names = std::move(dns);
  request.ip_addresses = std::move(ips);
  if (ttl) {
    const std::optional<long> hours = ParseHours(*ttl);
    if (!hours) return UsageError(kName, "--ttl must be a whole number of hours from 1 to 87600");
    request.ttl = std::chrono::hours(*hours);
  }

  StatusOr<identity::DevCa> ca = identity::DevCa::OpenOrCreate(*ca_dir);
  if (!ca.ok()) return Fail(kName, ca.status().message());
  StatusOr<identity::IdentitySnapshot> svid = ca->Issue(request);
  if (!svid.ok()) return Fail(kName, svid.status().message());
  if (Status written = identity::WriteSvidDirectory(*out, *svid); !written.ok()) {
    return Fail(kName, written.message());
  }
  char expires[32] = "?";
  const std::time_t not_after = static_cast<std::time_t>(svid->not_after());
  std::tm tm{};
  if (gmtime_r(&not_after, &tm) != nullptr) {
    std::strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  std::printf("%s: wrote %s/%s, %s, %s (expires %s)\n", svid->id().str().c_str(), out->c_str(),
              identity::kSvidFile, identity::kSvidKeyFile, identity::kSvidBundleFile, expires);
  return kExitOk;
}

}  // namespace vsecm::keygen
