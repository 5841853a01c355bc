#include "vsecm/client/client_options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace vsecm::client {
namespace {

TEST(ClientOptionsTest, ParsesSafeUrls) {
  auto dflt = ParseSafeUrl(kDefaultSafeUrl);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->host, "vsecm-safe.vsecm-system.svc.cluster.local");
  EXPECT_EQ(dflt->port, "8443");
  EXPECT_EQ(dflt->base_path, "");

  auto local = ParseSafeUrl("https://127.0.0.1:40123");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, "40123");

  auto v6 = ParseSafeUrl("HTTPS://[::1]:8443/prefix/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "8443");
  EXPECT_EQ(v6->base_path, "/prefix");

  auto no_port = ParseSafeUrl("https://safe.example");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, "443");
}

TEST(ClientOptionsTest, RefusesBadUrls) {
  for (const char* bad : {"http://127.0.0.1:8443/", "127.0.0.1:8443", "https://", "https://:8443/",
                          "https://u:p@host/", "https://host:0/", "https://host:99999/",
                          "https://host:port/", "https://host/?q=1", "https://[::1/"}) {
    auto parsed = ParseSafeUrl(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ClientOptionsTest, EnvironmentAndFlags) {
  std::map<std::string, std::string> values = {{"VSECM_SAFE_ENDPOINT_URL", "https://s:1/"},
                                               {"VSECM_BACKOFF_MAX_RETRIES", "2"}};
  kernel::EnvLookup env = [&](const char* n) -> std::optional<std::string> {
    auto it = values.find(n);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  ClientOptions o = ClientOptionsFromEnvironment(env);
  EXPECT_EQ(o.safe_url, "https://s:1/");
  EXPECT_EQ(o.backoff.max_retries, 2);

  std::vector<std::string_view> args = {"--safe-url", "https://t:2/", "--svid-dir", "/d",
                                        "--other"};
  std::string error;
  size_t i = 0;
  EXPECT_TRUE(TakeClientFlag(args, &i, &o, &error));
  EXPECT_EQ(i, 1u);
  i = 2;
  EXPECT_TRUE(TakeClientFlag(args, &i, &o, &error));
  i = 4;
  EXPECT_FALSE(TakeClientFlag(args, &i, &o, &error));
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(o.safe_url, "https://t:2/");
  EXPECT_EQ(o.identity.svid_dir, "/d");

  std::vector<std::string_view> bad = {"--safe-url="};
  i = 0;
  EXPECT_TRUE(TakeClientFlag(bad, &i, &o, &error));
  EXPECT_EQ(error, "--safe-url needs a non-empty value");
}

}  // namespace
}  // namespace vsecm::client
