// SVIDs as files on disk, in spiffe-helper's names (also what cert-manager's csi-driver-spiffe
// and the development CA write): DIR/svid.pem (leaf first, then intermediates), DIR/svid_key.pem
// (the private key, PKCS#8 PEM) and DIR/svid_bundle.pem (the trust bundle).
#ifndef VSECM_IDENTITY_SVID_FILES_HPP_
#define VSECM_IDENTITY_SVID_FILES_HPP_

#include <chrono>
#include <memory>
#include <string>

#include "vsecm/identity/identity_source.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

inline constexpr const char* kSvidFile = "svid.pem";
inline constexpr const char* kSvidKeyFile = "svid_key.pem";
inline constexpr const char* kSvidBundleFile = "svid_bundle.pem";

// Reads and checks the three files of `dir` (see IdentitySnapshot::Create). The key file is read
// into secure memory. Errors name the file.
StatusOr<IdentitySnapshot> ReadSvidDirectory(const std::string& dir);

// Writes the snapshot's three files into `dir` (created 0700 when missing): each through a
// temporary file, fsync and rename, so a reader sees an old or a new file, never a torn one.
// The key file is 0600, the certificate files 0644.
Status WriteSvidDirectory(const std::string& dir, const IdentitySnapshot& snapshot);

// Reloads `dir` when any of the three files changes (polled by mtime, inode, size and ctime,
// which also sees Kubernetes' symlink swaps). A new snapshot is published only when all three
// files parse, the key matches the certificate and the chain verifies against the bundle, so a
// rotation caught half-way is retried on the next poll instead of being served.
class SvidFileSource final : public IdentitySource {
 public:
  // Loads once synchronously (a failure is recorded, not returned: the files may appear later)
  // and starts polling.
  static std::unique_ptr<SvidFileSource> Open(
      const std::string& dir, std::chrono::milliseconds poll_interval = std::chrono::seconds(1));
  ~SvidFileSource() override;

  std::string Describe() const override;

  // Wakes the poller to check the files now instead of at the next interval.
  void PollNow();

 private:
  struct State;
  SvidFileSource(const std::string& dir, std::chrono::milliseconds poll_interval);
  void Run();
  void Poll();
  std::unique_ptr<State> state_;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_SVID_FILES_HPP_
