// The Workload API client against a fake SPIFFE Workload API server on a unix socket: it
// streams an SVID, then a rotated one, and the client source picks up both; the stream may
// also end and the client reconnects.
#include "vsecm/identity/workload_api.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "identity_test_support.hpp"
#include "vsecm/identity/identity_options.hpp"
#include "workload.grpc.pb.h"

namespace vsecm::identity {
namespace {

using namespace std::chrono_literals;

constexpr char kSafeId[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-0";

std::string Der(X509* cert) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return der;
}

// A fake SPIRE agent: each FetchX509SVID call sends the queued responses in order; a call
// either ends after them (end_stream) or waits for more until the server shuts down.
class FakeWorkloadApi final : public SpiffeWorkloadAPI::Service {
 public:
  grpc::Status FetchX509SVID(grpc::ServerContext* context, const X509SVIDRequest* /*request*/,
                             grpc::ServerWriter<X509SVIDResponse>* writer) override {
    auto header = context->client_metadata().find("workload.spiffe.io");
    if (header == context->client_metadata().end() || header->second != "true") {
      std::lock_guard lock(mutex_);
      ++missing_header_;
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "security header missing");
    }
    std::unique_lock lock(mutex_);
    ++calls_;
    changed_.notify_all();
    while (!context->IsCancelled() && !stopping_) {
      if (!queue_.empty()) {
        X509SVIDResponse response = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        writer->Write(response);
        lock.lock();
        continue;
      }
      if (end_stream_) {
        end_stream_ = false;
        return grpc::Status::OK;  // the agent closes the stream (e.g. it restarts)
      }
      changed_.wait_for(lock, 20ms);
    }
    return grpc::Status::CANCELLED;
  }

  void Send(X509SVIDResponse response) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(response));
    changed_.notify_all();
  }
  void EndStream() {
    std::lock_guard lock(mutex_);
    end_stream_ = true;
    changed_.notify_all();
  }
  void Stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // True once the client has opened at least `n` streams.
  bool WaitForCalls(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return calls_ >= n; });
  }
  int missing_header() {
    std::lock_guard lock(mutex_);
    return missing_header_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<X509SVIDResponse> queue_;
  bool end_stream_ = false;
  bool stopping_ = false;
  int calls_ = 0;
  int missing_header_ = 0;
};

class WorkloadApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = "unix://" + dir_.path() + "/agent.sock";
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address_, grpc::InsecureServerCredentials());
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    fake_.Stop();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 2s);
  }

  // A response carrying an SVID for kSafeId signed by the test CA.
  X509SVIDResponse Response(std::string* serial, const std::string& hint = "") {
    testing::Leaf leaf = testing::MakeLeaf(testing::SvidSpec(kSafeId), ca_);
    *serial = testing::SerialOf(leaf.chain.front().get());
    X509SVIDResponse response;
    X509SVID* svid = response.add_svids();
    svid->set_spiffe_id(kSafeId);
    svid->set_x509_svid(Der(leaf.chain.front().get()));
    svid->set_x509_svid_key(std::string(leaf.key_pkcs8.ExposeText()));
    svid->set_bundle(Der(ca_.cert.get()));
    svid->set_hint(hint);
    return response;
  }

  WorkloadApiOptions Options() {
    WorkloadApiOptions options;
    options.address = "unix://" + dir_.path() + "/agent.sock";
    options.initial_backoff = 50ms;
    options.max_backoff = 200ms;
    return options;
  }

  testing::TempDir dir_;
  testing::TestCa ca_ = testing::MakeCa();
  FakeWorkloadApi fake_;
  std::string address_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(WorkloadApiTest, StreamsAnSvidAndItsRotation) {
  std::string first_serial, second_serial;
  fake_.Send(Response(&first_serial));
  StatusOr<std::unique_ptr<WorkloadApiSource>> source = WorkloadApiSource::Open(Options());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  StatusOr<SnapshotPtr> first = (*source)->WaitForUpdate(0, 10s);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->id().str(), kSafeId);
  EXPECT_EQ(testing::SerialOf((*first)->leaf()), first_serial);
  EXPECT_EQ(X509_cmp((*first)->bundle().front().get(), ca_.cert.get()), 0);

  fake_.Send(Response(&second_serial));
  StatusOr<SnapshotPtr> second = (*source)->WaitForUpdate((*first)->generation(), 10s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(testing::SerialOf((*second)->leaf()), second_serial);
  EXPECT_EQ(fake_.calls(), 1);  // both came on one stream
  EXPECT_EQ(fake_.missing_header(), 0);
}

TEST_F(WorkloadApiTest, ReconnectsWhenTheStreamEnds) {
  std::string first_serial, second_serial;
  fake_.Send(Response(&first_serial));
  fake_.EndStream();
  StatusOr<std::unique_ptr<WorkloadApiSource>> source = WorkloadApiSource::Open(Options());
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE((*source)->WaitForUpdate(0, 10s).ok());
  // The rotated SVID is queued only once the client has opened a new stream, so it can only
  // arrive over the reconnection (queued earlier, it could ride the first stream before it ends).
  ASSERT_TRUE(fake_.WaitForCalls(2, 10s)) << "the client did not reconnect";
  fake_.Send(Response(&second_serial));
  StatusOr<SnapshotPtr> second = (*source)->WaitForUpdate(1, 10s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(testing::SerialOf((*second)->leaf()), second_serial);
  EXPECT_TRUE((*source)->last_error().ok()) << (*source)->last_error().ToString();
}

TEST_F(WorkloadApiTest, PicksTheSvidByHint) {
  std::string internal_serial, external_serial;
  X509SVIDResponse response = Response(&internal_serial, "internal");
  X509SVIDResponse other = Response(&external_serial, "external");
  *response.add_svids() = other.svids(0);
  fake_.Send(std::move(response));
  WorkloadApiOptions options = Options();
  options.hint = "external";
  StatusOr<std::unique_ptr<WorkloadApiSource>> source = WorkloadApiSource::Open(options);
  ASSERT_TRUE(source.ok());
  StatusOr<SnapshotPtr> got = (*source)->WaitForUpdate(0, 10s);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(testing::SerialOf((*got)->leaf()), external_serial);
}

TEST_F(WorkloadApiTest, RefusesABrokenUpdateAndKeepsTheCurrentSvid) {
  std::string serial, ignored;
  fake_.Send(Response(&serial));
  StatusOr<std::unique_ptr<WorkloadApiSource>> source = WorkloadApiSource::Open(Options());
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE((*source)->WaitForUpdate(0, 10s).ok());
  X509SVIDResponse broken = Response(&ignored);
  broken.mutable_svids(0)->set_spiffe_id("spiffe://vsecm.com/someone-else");
  fake_.Send(std::move(broken));
  X509SVIDResponse no_key = Response(&ignored);
  no_key.mutable_svids(0)->clear_x509_svid_key();
  fake_.Send(std::move(no_key));
  EXPECT_TRUE(testing::WaitForError(**source, "update refused"))
      << (*source)->last_error().ToString();
  EXPECT_FALSE((*source)->WaitForUpdate(1, 300ms).ok());  // at worst a false pass when slow
  EXPECT_EQ((*source)->generation(), 1u);
  EXPECT_EQ(testing::SerialOf((*(*source)->Current())->leaf()), serial);
}

TEST_F(WorkloadApiTest, FactoryUsesTheEnvironmentSocket) {
  std::string serial;
  fake_.Send(Response(&serial));
  IdentityOptions options;
  options.initial_wait = 10s;
  options.workload_api_initial_backoff = 50ms;
  const std::string socket = "unix://" + dir_.path() + "/agent.sock";
  StatusOr<std::unique_ptr<IdentitySource>> source =
      OpenIdentitySource(options, [&](const char* name) -> std::optional<std::string> {
        if (std::string(name) == "SPIFFE_ENDPOINT_SOCKET") return socket;
        return std::nullopt;
      });
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->generation(), 1u);
  EXPECT_NE((*source)->Describe().find("workload api"), std::string::npos);
}

TEST(WorkloadApiAddressTest, Targets) {
  EXPECT_EQ(*WorkloadApiTarget("unix:///run/spire/agent.sock"), "unix:///run/spire/agent.sock");
  EXPECT_EQ(*WorkloadApiTarget("unix:/run/spire/agent.sock"), "unix:///run/spire/agent.sock");
  EXPECT_EQ(*WorkloadApiTarget("tcp://127.0.0.1:8081"), "ipv4:127.0.0.1:8081");
  EXPECT_EQ(*WorkloadApiTarget("tcp://[::1]:8081"), "ipv6:[::1]:8081");
  for (const char* bad : {"unix://host/path", "unix:relative", "unix:///", "tcp://agent:8081",
                          "tcp://127.0.0.1", "http://127.0.0.1:80", "unix:///x?y", ""}) {
    EXPECT_FALSE(WorkloadApiTarget(bad).ok()) << bad;
  }
}

TEST(WorkloadApiAddressTest, UnreachableAgentTimesOutWithAReason) {
  testing::TempDir dir;
  IdentityOptions options;
  options.spiffe_socket = "unix://" + dir.path() + "/nobody-here.sock";
  options.initial_wait = 300ms;
  options.workload_api_initial_backoff = 50ms;
  StatusOr<std::unique_ptr<IdentitySource>> source = OpenIdentitySource(options, nullptr);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(source.status().message().find("nobody-here.sock"), std::string::npos)
      << source.status().message();
}

TEST(IdentityOptionsTest, FlagsAndPrecedence) {
  IdentityOptions options;
  std::string error;
  const std::vector<std::string_view> args = {"--svid-dir", "/a", "--spiffe-socket=unix:///b",
                                              "--other"};
  size_t i = 0;
  EXPECT_TRUE(TakeIdentityFlag(args, &i, &options, &error));
  EXPECT_EQ(i, 1u);
  ++i;
  EXPECT_TRUE(TakeIdentityFlag(args, &i, &options, &error));
  ++i;
  EXPECT_FALSE(TakeIdentityFlag(args, &i, &options, &error));
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_EQ(options.svid_dir, "/a");
  EXPECT_EQ(options.spiffe_socket, "unix:///b");
  // Both flags at once is ambiguous.
  StatusOr<std::unique_ptr<IdentitySource>> both = OpenIdentitySource(options, nullptr);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidArgument);

  const std::vector<std::string_view> repeated = {"--svid-dir", "/a", "--svid-dir", "/b"};
  IdentityOptions twice;
  i = 0;
  TakeIdentityFlag(repeated, &i, &twice, &error);
  i = 2;
  EXPECT_TRUE(TakeIdentityFlag(repeated, &i, &twice, &error));
  EXPECT_NE(error.find("more than once"), std::string::npos);
}

TEST(IdentityOptionsTest, SvidDirWinsOverTheEnvironmentSocket) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok());
  ASSERT_OK(ca->IssueSvid(SvidRequest{kSafeId, {}, {}, 1h, {}}, dir / "svid"));
  IdentityOptions options;
  options.svid_dir = dir / "svid";
  StatusOr<std::unique_ptr<IdentitySource>> source = OpenIdentitySource(
      options,
      [](const char*) -> std::optional<std::string> { return "unix:///nonexistent/agent.sock"; });
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_NE((*source)->Describe().find("svid files"), std::string::npos);
  EXPECT_EQ((*(*source)->Current())->id().str(), kSafeId);

  IdentityOptions dev;
  dev.dev_ca_dir = dir / "ca";
  dev.dev_svid = SvidRequest{kSafeId, {"localhost"}, {}, 1h, {}};
  StatusOr<std::unique_ptr<IdentitySource>> dev_source = OpenIdentitySource(dev, nullptr);
  ASSERT_TRUE(dev_source.ok()) << dev_source.status().ToString();
  EXPECT_NE((*dev_source)->Describe().find("development CA"), std::string::npos);
}

}  // namespace
}  // namespace vsecm::identity
