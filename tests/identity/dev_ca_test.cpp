// The development CA, as a library and through `vsecm-keygen svid`.
#include "vsecm/identity/dev_ca.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "identity_test_support.hpp"
#include "vsecm/identity/svid.hpp"
#include "vsecm/identity/svid_files.hpp"

extern char** environ;

namespace vsecm::identity {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kSafeId[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-0";

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The SAN entries of one type, as text.
std::vector<std::string> Sans(X509* cert, int type) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != type) continue;
    const ASN1_STRING* value = type == GEN_URI   ? name->d.uniformResourceIdentifier
                               : type == GEN_DNS ? name->d.dNSName
                                                 : name->d.iPAddress;
    const auto* data = ASN1_STRING_get0_data(value);
    const int len = ASN1_STRING_length(value);
    if (type == GEN_IPADD && len == 4) {
      out.push_back(std::to_string(data[0]) + "." + std::to_string(data[1]) + "." +
                    std::to_string(data[2]) + "." + std::to_string(data[3]));
    } else {
      out.emplace_back(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

TEST(DevCaTest, CreatesTheCaOnFirstUseAndReusesIt) {
  testing::TempDir dir;
  const std::string ca_dir = dir / "ca";
  StatusOr<DevCa> first = DevCa::OpenOrCreate(ca_dir);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(ModeOf(ca_dir), 0700u);
  EXPECT_EQ(ModeOf(ca_dir + "/ca_key.pem"), 0600u);
  EXPECT_EQ(ModeOf(ca_dir + "/ca.pem"), 0644u);

  X509* cert = first->certificate();
  EXPECT_EQ(X509_check_ca(cert), 1);
  EXPECT_NE(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN, 0u);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert)), EVP_PKEY_EC);
  StatusOr<int64_t> not_after = NotAfter(cert);
  ASSERT_TRUE(not_after.ok());
  EXPECT_GT(*not_after, testing::Now() + int64_t{3649} * 24 * 3600);  // ten years

  StatusOr<DevCa> second = DevCa::OpenOrCreate(ca_dir);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(X509_cmp(second->certificate(), cert), 0);
}

TEST(DevCaTest, IssuesSvidsWithTheRightShape) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok());
  StatusOr<IdentitySnapshot> svid = ca->Issue(
      SvidRequest{kSafeId, {"localhost"}, {"127.0.0.1", "::1"}, std::chrono::hours(2), {}});
  ASSERT_TRUE(svid.ok()) << svid.status().ToString();
  X509* leaf = svid->leaf();
  EXPECT_EQ(Sans(leaf, GEN_URI), std::vector<std::string>{kSafeId});
  EXPECT_EQ(Sans(leaf, GEN_DNS), std::vector<std::string>{"localhost"});
  EXPECT_EQ(Sans(leaf, GEN_IPADD).size(), 2u);
  EXPECT_EQ(Sans(leaf, GEN_IPADD).front(), "127.0.0.1");
  EXPECT_EQ(X509_check_ca(leaf), 0);
  EXPECT_EQ(X509_get_key_usage(leaf), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(leaf),
            static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(EVP_PKEY_get_base_id(svid->key()), EVP_PKEY_EC);
  EXPECT_NEAR(static_cast<double>(svid->not_after()), static_cast<double>(testing::Now() + 7200),
              5.0);
  EXPECT_TRUE(VerifySvidChain(svid->chain(), svid->bundle(), VerifyOptions{}).ok());
}

TEST(DevCaTest, RefusesBadRequests) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok());
  EXPECT_FALSE(ca->Issue(SvidRequest{"not-an-id", {}, {}, 1h, {}}).ok());
  EXPECT_FALSE(ca->Issue(SvidRequest{"spiffe://vsecm.com", {}, {}, 1h, {}}).ok());
  EXPECT_FALSE(ca->Issue(SvidRequest{kSafeId, {"bad name,DNS:evil"}, {}, 1h, {}}).ok());
  EXPECT_FALSE(ca->Issue(SvidRequest{kSafeId, {}, {"300.1.1.1"}, 1h, {}}).ok());
  EXPECT_FALSE(ca->Issue(SvidRequest{kSafeId, {}, {}, std::chrono::seconds(0), {}}).ok());
  StatusOr<IdentitySnapshot> too_long =
      ca->Issue(SvidRequest{kSafeId, {}, {}, std::chrono::hours(24 * 365 * 11), {}});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("outlive"), std::string::npos);
}

TEST(DevCaTest, IssuesExpiredSvidsOnRequest) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok());
  StatusOr<IdentitySnapshot> expired =
      ca->Issue(SvidRequest{kSafeId, {}, {}, 1h, testing::Now() - 7200});
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  StatusOr<SpiffeId> id = VerifySvidChain(expired->chain(), expired->bundle(), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("expired"), std::string::npos);
}

TEST(DevCaTest, RefusesAnExposedKeyOrAHalfCa) {
  testing::TempDir dir;
  const std::string ca_dir = dir / "ca";
  ASSERT_TRUE(DevCa::OpenOrCreate(ca_dir).ok());
  ::chmod((ca_dir + "/ca_key.pem").c_str(), 0644);
  StatusOr<DevCa> exposed = DevCa::OpenOrCreate(ca_dir);
  ASSERT_FALSE(exposed.ok());
  EXPECT_EQ(exposed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(exposed.status().message().find("chmod 600"), std::string::npos);

  fs::remove(ca_dir + "/ca_key.pem");
  StatusOr<DevCa> half = DevCa::OpenOrCreate(ca_dir);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fs::exists(ca_dir + "/ca.pem"));  // nothing was overwritten
}

TEST(DevCaTest, SourceRenewsAtHalfLife) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok());
  StatusOr<std::unique_ptr<DevCaSource>> source =
      DevCaSource::Open(std::move(ca).value(), SvidRequest{kSafeId, {}, {}, 2s, {}});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  // The renewal is due at the next whole second, which may already have passed: compare with
  // whatever snapshot is current now, not with generation 1.
  const SnapshotPtr first = *(*source)->Current();
  StatusOr<SnapshotPtr> renewed = (*source)->WaitForUpdate(first->generation(), 10s);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_GT((*renewed)->generation(), first->generation());
  EXPECT_NE(testing::SerialOf((*renewed)->leaf()), testing::SerialOf(first->leaf()));
  EXPECT_EQ((*renewed)->id().str(), kSafeId);
}

// Runs vsecm-keygen with `args`; returns the exit code and fills stdout/stderr.
int RunKeygen(const std::vector<std::string>& args, const std::string& work, std::string* out,
              std::string* err) {
  const std::string binary = VSECM_TEST_BIN_DIR "/vsecm-keygen";
  std::vector<char*> argv;
  std::vector<std::string> storage = {binary};
  storage.insert(storage.end(), args.begin(), args.end());
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out_path = work + "/stdout", err_path = work + "/stderr";
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid;
  const int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  *out = ReadText(out_path);
  *err = ReadText(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DevCaTest, KeygenSvidCommand) {
  if (::access(VSECM_TEST_BIN_DIR "/vsecm-keygen", X_OK) != 0) {
    GTEST_SKIP() << "vsecm-keygen is not built";
  }
  testing::TempDir dir;
  const std::string ca_dir = dir / "ca";
  const std::string out_dir = dir / "svid/safe";
  std::string out, err;
  ASSERT_EQ(RunKeygen({"svid", "--ca-dir", ca_dir, "--spiffe-id", kSafeId, "--out", out_dir,
                       "--dns", "localhost", "--ip", "127.0.0.1", "--ip=::1", "--ttl", "48"},
                      dir.path(), &out, &err),
            0)
      << err;
  EXPECT_NE(out.find(kSafeId), std::string::npos) << out;
  EXPECT_EQ(ModeOf(ca_dir), 0700u);
  EXPECT_EQ(ModeOf(ca_dir + "/ca_key.pem"), 0600u);
  EXPECT_EQ(ModeOf(out_dir + "/svid_key.pem"), 0600u);

  StatusOr<IdentitySnapshot> svid = ReadSvidDirectory(out_dir);
  ASSERT_TRUE(svid.ok()) << svid.status().ToString();
  EXPECT_EQ(svid->id().str(), kSafeId);
  EXPECT_EQ(Sans(svid->leaf(), GEN_DNS), std::vector<std::string>{"localhost"});
  EXPECT_EQ(Sans(svid->leaf(), GEN_IPADD).size(), 2u);
  EXPECT_NEAR(static_cast<double>(svid->not_after()),
              static_cast<double>(testing::Now() + 48 * 3600), 10.0);
  EXPECT_TRUE(VerifySvidChain(svid->chain(), svid->bundle(), VerifyOptions{}).ok());

  // A second SVID comes from the same CA.
  const std::string second_dir = dir / "svid/sentinel";
  ASSERT_EQ(RunKeygen({"svid", "--ca-dir", ca_dir, "--spiffe-id",
                       "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/"
                       "vsecm-sentinel/n/s-0",
                       "--out", second_dir},
                      dir.path(), &out, &err),
            0)
      << err;
  EXPECT_EQ(ReadText(second_dir + "/svid_bundle.pem"), ReadText(out_dir + "/svid_bundle.pem"));

  // Usage errors exit 2 and write nothing.
  EXPECT_EQ(RunKeygen({"svid", "--ca-dir", ca_dir, "--out", dir / "x"}, dir.path(), &out, &err), 2);
  EXPECT_NE(err.find("--spiffe-id is required"), std::string::npos) << err;
  EXPECT_EQ(RunKeygen({"svid", "--ca-dir", ca_dir, "--spiffe-id", kSafeId, "--out", dir / "x",
                       "--ttl", "0"},
                      dir.path(), &out, &err),
            2);
  EXPECT_FALSE(fs::exists(dir / "x"));
  // A bad SPIFFE ID is a failure of the work (1), with the reason.
  EXPECT_EQ(
      RunKeygen({"svid", "--ca-dir", ca_dir, "--spiffe-id", "spiffe://Bad/x", "--out", dir / "y"},
                dir.path(), &out, &err),
      1);
  EXPECT_NE(err.find("lower case"), std::string::npos) << err;
  EXPECT_EQ(RunKeygen({"svid", "--help"}, dir.path(), &out, &err), 0);
  EXPECT_NE(out.find("--spiffe-id"), std::string::npos);
}

}  // namespace
}  // namespace vsecm::identity
