// Requests a real `vsecm-safe dev` must not try to read as HTTP/1.1 (RFC 9112): raw bytes over
// mutual TLS as Sentinel or a workload, each answered 400 (431 for a header too large) with
// {"err": ...} naming the problem, and the connection closed; a second request smuggled behind
// one of them is never executed.
#include <iostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dev_safe.hpp"
#include "mtls_connections.hpp"
#include "safe_observe.hpp"

namespace vsecm::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kBilling = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/billing-0";

// What a smuggled request would do if it ran: create the secret "smuggled".
const std::string kSmuggledBody = R"({"workloads":["smuggled"],"value":"smuggled-value"})";
const std::string kSmuggled = fmt::format(
    "POST /sentinel/v1/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Content-Length: {}\r\n\r\n{}",
    kSmuggledBody.size(), kSmuggledBody);

std::string Chunked(const std::string& body) {
  return fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size(), body);
}

struct Malformed {
  std::string name;
  bool as_sentinel;
  std::string bytes;
  int status;
  std::string says;
};

TEST(SafeFramingTest, MalformedRequestsAreAnsweredAndClosedAndNothingSmuggledRuns) {
  DevSafe safe;
  ASSERT_TRUE(safe.Start()) << safe.Log();
  ASSERT_TRUE(safe.WaitReady()) << safe.Log();
  const std::string billing = safe.IssueSvid(kBilling, "billing");
  const std::string post = "POST /sentinel/v1/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: application/json\r\n";
  const std::string get = "GET /workload/v1/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const std::vector<Malformed> cases = {
      {"Transfer-Encoding gzip, a request in its body", true,
       post + "Transfer-Encoding: gzip\r\n\r\n" + kSmuggled, 400,
       "Transfer-Encoding \"gzip\" is not supported: a request body may only be chunked"},
      {"chunked not the final coding", true,
       post + "Transfer-Encoding: chunked, gzip\r\n\r\n" + Chunked(kSmuggled), 400,
       "Transfer-Encoding \"chunked, gzip\" is not supported"},
      {"a coding before chunked", true,
       post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(kSmuggled),
       400, "Transfer-Encoding \"gzip, chunked\" is not supported"},
      {"Transfer-Encoding gzip with Content-Length", true,
       post + fmt::format("Transfer-Encoding: gzip\r\nContent-Length: {}\r\n\r\n", kSmuggled.size()) +
           kSmuggled,
       400, "must not carry both Transfer-Encoding and Content-Length"},
      {"Content-Length, then Transfer-Encoding chunked", true,
       post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(kSmuggled), 400,
       "malformed request: Transfer-Encoding is given twice, or together with Content-Length"},
      {"Transfer-Encoding chunked, then Content-Length", true,
       post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + Chunked(kSmuggled), 400,
       "malformed request: Content-Length is not a number"},
      {"two different Content-Lengths", true,
       post + fmt::format("Content-Length: 2\r\nContent-Length: {}\r\n\r\n{}", kSmuggled.size(), kSmuggled),
       400, "malformed request: Content-Length is not a number, is given twice"},
      {"a malformed chunk", true, post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + kSmuggled, 400,
       "malformed request: the chunked body is malformed"},
      {"bad method", true, "PO(ST /sentinel/v1/secrets HTTP/1.1\r\nHost: x\r\n\r\n" + kSmuggled, 400,
       "malformed request: the method is not a token"},
      {"bad version", true, "GET /sentinel/v1/secrets HTTP/x.1\r\nHost: x\r\n\r\n" + kSmuggled, 400,
       "malformed request: the HTTP version is not valid"},
      {"HTTP/2.0 in an HTTP/1 request line", true,
       "GET /sentinel/v1/secrets HTTP/2.0\r\nHost: x\r\n\r\n" + kSmuggled, 400,
       "malformed request: the HTTP version is not valid"},
      {"bad field name", true, "GET /sentinel/v1/secrets HTTP/1.1\r\nBad Field: x\r\n\r\n" + kSmuggled,
       400, "malformed request: a header field name is not valid"},
      {"a field ending in a bare LF", true,
       "GET /sentinel/v1/secrets HTTP/1.1\r\nHost: x\n\r\n" + kSmuggled, 400,
       "malformed request: a header field value is not valid"},
      {"header too large", true,
       "GET /sentinel/v1/secrets HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n", 431,
       "the request header is larger than 16384 bytes"},
      {"a workload GET with a body", false, get + "Content-Length: 5\r\n\r\nhello" + kSmuggled, 400,
       "GET /workload/v1/secrets takes no request body"},
      {"a workload GET with a chunked body", false,
       get + "Transfer-Encoding: chunked\r\n\r\n" + Chunked("hello") + kSmuggled, 400,
       "GET /workload/v1/secrets takes no request body"},
  };
  for (const Malformed& m : cases) {
    SCOPED_TRACE(m.name);
    auto client = MtlsConnections::Create(m.as_sentinel ? safe.Sentinel() : billing, ApiEndpoint(safe));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    ASSERT_EQ((*client)->Open(1).ok, 1u);
    (*client)->SendOnHeld({m.bytes}, [](const MtlsConnections::Connection&) { return true; });
    const MtlsConnections::Connection& c = *(*client)->held_connections().front();
    ASSERT_EQ(c.answers.size(), 1u) << "answers: " << c.answers.size() << ", then " << c.error.message();
    EXPECT_EQ(c.answers[0].status, m.status) << c.answers[0].body;
    auto body = nlohmann::json::parse(c.answers[0].body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("err")) << c.answers[0].body;
    EXPECT_THAT(body["err"].get<std::string>(), HasSubstr(m.says));
    EXPECT_FALSE(c.answers[0].keep_alive);
    EXPECT_TRUE(c.closed) << "not closed: " << c.error.message();
    // One line per case for docs/SECURITY.md.
    std::cout << fmt::format("[ matrix   ] {} | {} | {} and closed | {}\n", m.name,
                             m.as_sentinel ? "Sentinel" : "workload", m.status, m.says);
  }
  HttpAnswer list = safe.Call(safe.Sentinel(), "GET", "/sentinel/v1/secrets");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_THAT(list.body, ::testing::Not(HasSubstr("smuggled"))) << "a smuggled request ran";
  // A well-formed chunked upsert is served, on a connection kept alive.
  auto sentinel = MtlsConnections::Create(safe.Sentinel(), ApiEndpoint(safe));
  ASSERT_TRUE(sentinel.ok());
  ASSERT_EQ((*sentinel)->Open(1).ok, 1u);
  const std::string upsert = R"({"workloads":["billing"],"value":"chunked-value"})";
  (*sentinel)->SendOnHeld({post + "Transfer-Encoding: chunked\r\n\r\n" + Chunked(upsert)},
                          [](const MtlsConnections::Connection&) { return true; }, 1);
  const MtlsConnections::Connection& c = *(*sentinel)->held_connections().front();
  ASSERT_GE(c.answers.size(), 1u) << c.error.message();
  EXPECT_EQ(c.answers[0].status, 200) << c.answers[0].body;
  EXPECT_TRUE(c.answers[0].keep_alive);
  HttpAnswer read = safe.Call(billing, "GET", "/workload/v1/secrets");
  EXPECT_THAT(read.body, HasSubstr("chunked-value"));
}

}  // namespace
}  // namespace vsecm::testing
