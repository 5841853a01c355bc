// SVID files in spiffe-helper's names: reading, atomic rotation, and a TLS server that presents
// the rotated certificate on its next connection.
#include "vsecm/identity/svid_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "identity_test_support.hpp"
#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/identity/tls.hpp"

namespace vsecm::identity {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kSafeId[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-0";
constexpr char kSentinelId[] =
    "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/s-0";

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class SvidFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir_ / "ca");
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::make_unique<DevCa>(std::move(ca).value());
  }

  SvidRequest Request(const std::string& id) {
    return SvidRequest{id, {}, {}, std::chrono::hours(1), {}};
  }

  testing::TempDir dir_;
  std::unique_ptr<DevCa> ca_;
};

TEST_F(SvidFilesTest, WritesAndReadsTheThreeFiles) {
  const std::string out = dir_ / "svid";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), out));
  EXPECT_EQ(ModeOf(out), 0700u);
  EXPECT_EQ(ModeOf(out + "/svid_key.pem"), 0600u);
  EXPECT_EQ(ModeOf(out + "/svid.pem"), 0644u);
  EXPECT_EQ(ModeOf(out + "/svid_bundle.pem"), 0644u);
  EXPECT_NE(ReadText(out + "/svid_key.pem").find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_EQ(ReadText(out + "/svid_bundle.pem"), ReadText(dir_ / "ca/ca.pem"));
  for (const auto& entry : fs::directory_iterator(out)) {  // no temporary file left behind
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
  }

  StatusOr<IdentitySnapshot> read = ReadSvidDirectory(out);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->id().str(), kSafeId);
  EXPECT_EQ(X509_cmp(read->bundle().front().get(), ca_->certificate()), 0);
}

TEST_F(SvidFilesTest, ReadErrorsNameTheFile) {
  const std::string out = dir_ / "svid";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), out));
  fs::remove(out + "/svid_key.pem");
  StatusOr<IdentitySnapshot> missing = ReadSvidDirectory(out);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("svid_key.pem"), std::string::npos);

  // A key of another SVID.
  const std::string other = dir_ / "other";
  ASSERT_OK(ca_->IssueSvid(Request(kSentinelId), other));
  fs::copy_file(other + "/svid_key.pem", out + "/svid_key.pem");
  StatusOr<IdentitySnapshot> mismatch = ReadSvidDirectory(out);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("does not match"), std::string::npos)
      << mismatch.status().message();

  // A FIFO in place of a file is refused at once (opening it must not wait for a writer).
  fs::remove(out + "/svid.pem");
  ASSERT_EQ(::mkfifo((out + "/svid.pem").c_str(), 0600), 0);
  StatusOr<IdentitySnapshot> fifo = ReadSvidDirectory(out);
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.status().message().find("svid.pem: not a regular file"), std::string::npos)
      << fifo.status().message();
}

TEST_F(SvidFilesTest, ServerPresentsTheRotatedSvidOnNewConnections) {
  const std::string server_dir = dir_ / "safe";
  const std::string client_dir = dir_ / "sentinel";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), server_dir));
  ASSERT_OK(ca_->IssueSvid(Request(kSentinelId), client_dir));
  std::shared_ptr<SvidFileSource> server_source = SvidFileSource::Open(server_dir, 50ms);
  std::shared_ptr<SvidFileSource> client_source = SvidFileSource::Open(client_dir, 50ms);
  ASSERT_EQ(server_source->generation(), 1u) << server_source->last_error().ToString();
  StatusOr<SslCtxPtr> server = NewServerContext(server_source, PeerPolicy{});
  StatusOr<SslCtxPtr> client = NewClientContext(client_source, PeerPolicy{});
  ASSERT_TRUE(server.ok() && client.ok());

  testing::HandshakeResult first = testing::Handshake(server->get(), client->get());
  ASSERT_TRUE(first.server.ok && first.client.ok) << first.server.reason << first.client.reason;
  const std::string first_serial = first.client.peer_serial;
  EXPECT_EQ(first_serial, testing::SerialOf((*server_source->Current())->leaf()));

  // Rotate: the three files are replaced atomically one by one.
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), server_dir));
  StatusOr<SnapshotPtr> rotated = server_source->WaitForUpdate(1, 10s);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ((*rotated)->generation(), 2u);
  const std::string second_serial = testing::SerialOf((*rotated)->leaf());
  ASSERT_NE(second_serial, first_serial);

  testing::HandshakeResult second = testing::Handshake(server->get(), client->get());
  ASSERT_TRUE(second.server.ok && second.client.ok) << second.server.reason << second.client.reason;
  EXPECT_EQ(second.client.peer_serial, second_serial);
  EXPECT_EQ(second.server.peer_id, kSentinelId);
}

TEST_F(SvidFilesTest, FilesRewrittenWithTheSameContentAreNotARotation) {
  const std::string dir = dir_ / "safe";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), dir));
  std::unique_ptr<SvidFileSource> source = SvidFileSource::Open(dir, 50ms);
  ASSERT_EQ(source->generation(), 1u);
  std::atomic<int> notified{0};
  source->AddListener([&](const IdentitySnapshot&) { ++notified; });

  // Rewritten file by file (new inodes and times, same bytes): each poll may read a mix of old
  // and new files, all identical; none of them is published as a new generation.
  ASSERT_OK(WriteSvidDirectory(dir, **source->Current()));
  source->PollNow();
  EXPECT_FALSE(source->WaitForUpdate(1, 300ms).ok());  // at worst a false pass on a slow machine
  EXPECT_EQ(source->generation(), 1u);
  EXPECT_EQ(notified, 0);

  // A real rotation afterwards is still published, as generation 2.
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), dir));
  StatusOr<SnapshotPtr> rotated = source->WaitForUpdate(1, 10s);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ((*rotated)->generation(), 2u);
  EXPECT_EQ(notified, 1);
}

TEST_F(SvidFilesTest, AHalfFinishedRotationIsNotServed) {
  const std::string dir = dir_ / "safe";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), dir));
  std::unique_ptr<SvidFileSource> source = SvidFileSource::Open(dir, 50ms);
  ASSERT_EQ(source->generation(), 1u);
  const std::string old_serial = testing::SerialOf((*source->Current())->leaf());
  std::atomic<int> notified{0};
  source->AddListener([&](const IdentitySnapshot&) { ++notified; });

  // The new certificate lands before its key: mismatched, so the old SVID stays in force.
  const std::string next = dir_ / "next";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), next));
  fs::copy_file(next + "/svid.pem", dir + "/svid.pem.new");
  fs::rename(dir + "/svid.pem.new", dir + "/svid.pem");
  source->PollNow();
  EXPECT_TRUE(testing::WaitForError(*source, "does not match")) << source->last_error().ToString();
  EXPECT_EQ(source->generation(), 1u);
  EXPECT_EQ(testing::SerialOf((*source->Current())->leaf()), old_serial);

  // Then the key: now the pair is consistent and is published.
  fs::copy_file(next + "/svid_key.pem", dir + "/svid_key.pem.new");
  fs::rename(dir + "/svid_key.pem.new", dir + "/svid_key.pem");
  StatusOr<SnapshotPtr> updated = source->WaitForUpdate(1, 10s);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_NE(testing::SerialOf((*updated)->leaf()), old_serial);
  EXPECT_TRUE(source->last_error().ok());
  EXPECT_EQ(notified, 1);
}

TEST_F(SvidFilesTest, FilesThatAppearLaterAreLoaded) {
  const std::string dir = dir_ / "later";
  std::unique_ptr<SvidFileSource> source = SvidFileSource::Open(dir, 50ms);
  EXPECT_EQ(source->generation(), 0u);
  StatusOr<SnapshotPtr> none = source->Current();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("svid.pem"), std::string::npos) << none.status().message();
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), dir));
  StatusOr<SnapshotPtr> loaded = source->WaitForUpdate(0, 10s);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->id().str(), kSafeId);
  EXPECT_NE(source->Describe().find(dir), std::string::npos);
}

TEST_F(SvidFilesTest, GarbageInAFileKeepsTheCurrentSvid) {
  const std::string dir = dir_ / "safe";
  ASSERT_OK(ca_->IssueSvid(Request(kSafeId), dir));
  std::unique_ptr<SvidFileSource> source = SvidFileSource::Open(dir, 50ms);
  ASSERT_EQ(source->generation(), 1u);
  WriteText(dir + "/svid_bundle.pem", "not a bundle");
  source->PollNow();
  EXPECT_TRUE(testing::WaitForError(*source, "svid_bundle.pem")) << source->last_error().ToString();
  EXPECT_EQ(source->generation(), 1u);
  EXPECT_TRUE(source->Current().ok());
}

}  // namespace
}  // namespace vsecm::identity
