// Reads are never queued behind writes: the Safe's API server, in this process, over a real
// kernel whose store (the recording store) holds every put until the test lets go, as a
// stalled disk or Kubernetes API would. More upserts than there are write workers wait there;
// a workload's read must still be answered, and once released every write completes.
#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "https_server.hpp"
#include "kernel_fixture.hpp"
#include "lifecycle.hpp"
#include "metrics.hpp"
#include "mtls_connections.hpp"
#include "safe_api.hpp"
#include "server_identity.hpp"
#include "vsecm/identity/dev_ca.hpp"

namespace vsecm::testing {
namespace {

constexpr const char* kSafeId = "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/test";
constexpr const char* kSentinelId =
    "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/test";
constexpr const char* kBilling = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/billing-0";
constexpr int kWriteWorkers = 2;
constexpr int kHeldWrites = 3 * kWriteWorkers;

std::string Upsert(const std::string& name, const std::string& value) {
  const std::string body = fmt::format(R"({{"workloads":["{}"],"value":"{}"}})", name, value);
  return fmt::format("POST /sentinel/v1/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                     body.size(), body);
}

bool AnsweredOk(const MtlsConnections::Connection& c) {
  return c.answers.size() == 1 && c.answers[0].status == 200;
}

TEST(SafeWorkerPoolsTest, AReadIsAnsweredWhileMoreWritesThanWriteWorkersAreStalled) {
  TempDir certs;
  auto ca = identity::DevCa::OpenOrCreate(certs / "ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  for (const auto& [id, dir] : {std::pair{kSafeId, "safe"}, std::pair{kSentinelId, "sentinel"},
                                std::pair{kBilling, "billing"}}) {
    identity::SvidRequest request{id, {}, {}, std::chrono::hours(1), {}};
    if (std::string(dir) == "safe") request.ip_addresses = {"127.0.0.1"};
    ASSERT_OK(ca->IssueSvid(request, certs / dir));
  }

  KernelFixture fixture("vsecm-crypto-age");
  ASSERT_OK(fixture.Start());
  safe::Metrics metrics;
  safe::Lifecycle lifecycle(fixture.kernel(), metrics, /*manual_root_key=*/false);
  auto root_key = kernel::RootKey::Parse(
      {reinterpret_cast<const uint8_t*>(kTestRootKey), std::strlen(kTestRootKey)});
  ASSERT_TRUE(root_key.ok());
  ASSERT_OK(lifecycle.Activate(*root_key));
  auto no_env = [](const char*) { return std::optional<std::string>(); };
  auto identity = safe::OpenServerIdentity({certs / "safe", ""}, no_env);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  safe::SafeApi api(fixture.kernel(), lifecycle, (*identity)->GetRoles(), metrics);

  // Counts what reaches the write workers, and what leaves them.
  std::atomic<int> writes_admitted{0}, writes_started{0}, writes_done{0};
  safe::HttpsServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.read_threads = 2;
  options.write_threads = kWriteWorkers;
  safe::HttpsServer server(
      options, (*identity)->Tls(),
      [&](const safe::RequestHeader& header, const std::string& peer) {
        safe::Admission admission = api.Admit(header, peer);
        if (admission.write) ++writes_admitted;
        return admission;
      },
      [&](safe::Request& request, const std::string& peer) {
        const bool write = request.method() == boost::beast::http::verb::post;
        if (write) ++writes_started;
        safe::Response response = api.Handle(request, peer);
        if (write) ++writes_done;
        return response;
      },
      metrics, [](const std::string&, const std::string&) {});
  ASSERT_OK(server.Start());
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                server.port());

  auto sentinel = MtlsConnections::Create(certs / "sentinel", endpoint);
  auto billing = MtlsConnections::Create(certs / "billing", endpoint);
  ASSERT_TRUE(sentinel.ok() && billing.ok());
  ASSERT_EQ((*sentinel)->Open(1).ok, 1u);
  ASSERT_EQ((*sentinel)->SendOnHeld({Upsert("billing", "before-the-stall")}, AnsweredOk, 1).ok, 1u);
  writes_done = 0;
  auto right_secret = [](int status, const std::string& body) {
    return status == 200 && body.find("before-the-stall") != std::string::npos;
  };
  ASSERT_EQ((*billing)->Try(1, "/workload/v1/secrets", right_secret).ok, 1u);

  // The store stalls; six upserts wait, two on the write workers and four queued for them.
  std::ofstream(fixture.hold_file()) << "hold";
  auto writers = MtlsConnections::Create(certs / "sentinel", endpoint);
  ASSERT_TRUE(writers.ok());
  ASSERT_EQ((*writers)->Open(kHeldWrites).ok, static_cast<size_t>(kHeldWrites));
  std::vector<std::string> upserts;
  for (int i = 0; i < kHeldWrites; ++i) upserts.push_back(Upsert(fmt::format("held-{}", i), "v"));
  MtlsConnections::Outcome writes;
  std::thread writer([&] { writes = (*writers)->SendOnHeld(upserts, AnsweredOk, 1); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((writes_admitted < kHeldWrites + 1 || writes_started < kWriteWorkers + 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // (+1: the upsert before the stall.)
  EXPECT_EQ(writes_admitted, kHeldWrites + 1);
  EXPECT_EQ(writes_started, kWriteWorkers + 1) << "not every write worker is stalled";

  // A workload's read is answered meanwhile, with every write still held.
  MtlsConnections::Outcome read = (*billing)->Try(1, "/workload/v1/secrets", right_secret);
  EXPECT_EQ(read.ok, 1u) << read.Errors();
  EXPECT_EQ(writes_done, 0) << "the store let a write through: the read proved nothing";

  std::filesystem::remove(fixture.hold_file());
  writer.join();
  EXPECT_EQ(writes.ok, static_cast<size_t>(kHeldWrites)) << writes.Errors();
  EXPECT_EQ(writes_done, kHeldWrites);
  // The clients go first: a graceful stop would wait for their TLS close otherwise.
  sentinel->reset();
  billing->reset();
  writers->reset();
  server.Stop();
}

}  // namespace
}  // namespace vsecm::testing
