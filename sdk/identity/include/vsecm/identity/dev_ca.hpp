// A development CA: issues SVIDs locally so the whole system runs on one machine with no SPIRE.
// DIR/ca.pem is the CA certificate (the trust bundle), DIR/ca_key.pem its key (mode 0600,
// DIR 0700). Not for production: whoever reads ca_key.pem can mint any identity.
#ifndef VSECM_IDENTITY_DEV_CA_HPP_
#define VSECM_IDENTITY_DEV_CA_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vsecm/identity/identity_source.hpp"
#include "vsecm/identity/x509.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

inline constexpr const char* kDevCaCertFile = "ca.pem";
inline constexpr const char* kDevCaKeyFile = "ca_key.pem";

struct SvidRequest {
  std::string spiffe_id;                  // must parse as a SPIFFE ID with a path
  std::vector<std::string> dns_names;     // extra DNS SANs (e.g. "localhost")
  std::vector<std::string> ip_addresses;  // extra IP SANs (e.g. "127.0.0.1")
  std::chrono::seconds ttl = std::chrono::hours(24);
  // Start of validity in seconds since the epoch; default one minute ago (clock skew). A past
  // value with a short ttl yields an expired SVID, which tests need.
  std::optional<int64_t> not_before;
};

class DevCa {
 public:
  // Loads the CA in `dir`, or creates it there (EC P-256, 10 years, CA:TRUE, keyCertSign and
  // cRLSign) when neither file exists. Concurrent callers are serialized by a lock file. A key
  // file readable by group or others, or only one of the two files, is refused.
  static StatusOr<DevCa> OpenOrCreate(const std::string& dir);

  // An SVID: EC P-256 leaf, URI SAN = the SPIFFE ID, the extra DNS/IP SANs, CA:FALSE,
  // digitalSignature, serverAuth + clientAuth. The snapshot's bundle is the CA certificate.
  StatusOr<IdentitySnapshot> Issue(const SvidRequest& request) const;

  // Issue() written to `out_dir` in spiffe-helper's file names (see WriteSvidDirectory).
  Status IssueSvid(const SvidRequest& request, const std::string& out_dir) const;

  X509* certificate() const noexcept { return cert_.get(); }
  const std::string& dir() const noexcept { return dir_; }

 private:
  DevCa(std::string dir, X509Ptr cert, EvpPkeyPtr key)
      : dir_(std::move(dir)), cert_(std::move(cert)), key_(std::move(key)) {}

  std::string dir_;
  X509Ptr cert_;
  EvpPkeyPtr key_;
};

// An identity source backed by a DevCa: issues an SVID in memory at once and again whenever
// half of the current one's lifetime has passed, like SPIRE's rotation.
class DevCaSource final : public IdentitySource {
 public:
  static StatusOr<std::unique_ptr<DevCaSource>> Open(DevCa ca, SvidRequest request);
  ~DevCaSource() override;
  std::string Describe() const override;

 private:
  struct State;
  explicit DevCaSource(std::unique_ptr<State> state);
  void Run();
  std::unique_ptr<State> state_;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_DEV_CA_HPP_
