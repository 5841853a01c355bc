// VSecM's request bodies are read strictly (bad types and dates are refused, naming the field
// and never the value) and its responses are written in VSecM's shapes.
#include "api_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vsecm::safe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

kernel::Timestamp Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

TEST(ApiJsonTest, ReadsAFullUpsert) {
  auto body = ParseUpsertBody(Bytes(R"({"workloads":["billing","orders"],"namespaces":["prod"],
      "value":"{\"pw\":\"s3cr\u0065t\"}","template":"{{.pw}}","format":"YAML","encrypt":false,
      "notBefore":"2026-01-02T03:04:05Z","expires":"never","err":"","somethingNew":{"a":[1]}})"),
                              Now());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(body->workloads, (std::vector<std::string>{"billing", "orders"}));
  EXPECT_EQ(body->namespaces, std::vector<std::string>{"prod"});
  EXPECT_EQ(body->value.ExposeText(), R"({"pw":"s3cret"})");
  EXPECT_EQ(body->template_text, "{{.pw}}");
  EXPECT_EQ(body->format, "yaml");
  ASSERT_TRUE(body->not_before.has_value());
  EXPECT_EQ(kernel::FormatRfc3339(*body->not_before), "2026-01-02T03:04:05.000Z");
  EXPECT_FALSE(body->expires.has_value());
}

TEST(ApiJsonTest, NowAndNeverAndEmptyMeanOpenEnded) {
  auto body = ParseUpsertBody(Bytes(R"({"workloads":["w"],"value":"v","notBefore":"now","expires":""})"), Now());
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->not_before.has_value());
  EXPECT_FALSE(body->expires.has_value());
}

TEST(ApiJsonTest, RefusesBadInputNamingTheFieldButNeverTheValue) {
  const char* cases[][2] = {
      {R"({"workloads":"billing","value":"CANARY-v1"})", "workloads"},
      {R"({"workloads":["w"],"value":42})", "value"},
      {R"({"workloads":["w"],"value":"CANARY-v1","encrypt":"yes"})", "encrypt"},
      {R"({"workloads":["w"],"value":"CANARY-v1","notBefore":"yesterday"})", "notBefore"},
      {R"({"workloads":["w"],"value":"CANARY-v1","expires":"2026-13-01T00:00:00Z"})", "expires"},
      {R"({"workloads":["w"],"value":"CANARY-v1")", ""},
      {R"({"workloads":["w"],"value":"CANARY-v1"} trailing)", ""},
      {R"(["not","an","object"])", ""},
      {R"({"workloads":["w"],"value":"CANARY-v1","value":"twice"})", ""},
  };
  for (const auto& [json, field] : cases) {
    auto body = ParseUpsertBody(Bytes(json), Now());
    ASSERT_FALSE(body.ok()) << json;
    EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(body.status().message(), HasSubstr(field)) << json;
    EXPECT_THAT(body.status().message(), Not(HasSubstr("CANARY"))) << json;
  }
}

TEST(ApiJsonTest, ReadsDeleteAndRootKeyBodies) {
  auto workloads = ParseDeleteBody(Bytes(R"({"workloads":["a","b"]})"));
  ASSERT_TRUE(workloads.ok());
  EXPECT_EQ(workloads->size(), 2u);
  EXPECT_FALSE(ParseDeleteBody(Bytes(R"({"workloads":[1]})")).ok());

  auto keys = ParseRootKeyBody(Bytes(R"({"ageSecretKey":"AGE-SECRET-KEY-1X","agePublicKey":"age1y","aesCipherKey":"00"})"));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->age_secret_key.ExposeText(), "AGE-SECRET-KEY-1X");
  EXPECT_EQ(keys->aes_cipher_key.ExposeText(), "00");
}

nlohmann::json BodyOf(const Response& r) {
  return nlohmann::json::parse(r.body().ExposeText());
}

TEST(ApiJsonTest, WritesVsecmShapes) {
  kernel::SecretView view{"billing", kernel::SecretBytes::CopyOf(std::string_view("line1\n\"q\"")),
                          kernel::Timestamp(std::chrono::milliseconds(0)),
                          kernel::Timestamp(std::chrono::milliseconds(1000))};
  auto fetched = BodyOf(WorkloadSecretResponse(view));
  EXPECT_EQ(fetched["data"], "line1\n\"q\"");
  EXPECT_EQ(fetched["created"], "\"1970-01-01T00:00:00.000Z\"");  // VSecM quotes its times
  EXPECT_EQ(fetched["updated"], "\"1970-01-01T00:00:01.000Z\"");

  kernel::SecretSummary s{"billing", {"default"}, view.created, view.updated, std::nullopt, std::nullopt};
  auto listed = BodyOf(SecretListResponse({s}));
  ASSERT_EQ(listed["secrets"].size(), 1u);
  EXPECT_EQ(listed["secrets"][0]["name"], "billing");
  EXPECT_EQ(listed["secrets"][0]["expiresAfter"], "0001-01-01T00:00:00Z");
  EXPECT_FALSE(listed["secrets"][0].contains("value"));

  auto revealed = BodyOf(EncryptedListResponse({{s, kernel::Bytes{1, 2, 3}}}, "age"));
  EXPECT_EQ(revealed["algorithm"], "age");
  EXPECT_EQ(revealed["secrets"][0]["value"], "AQID");

  EXPECT_EQ(BodyOf(KeystoneResponse(false))["status"], "pending");
  auto err = ErrorResponse(boost::beast::http::status::bad_request, "bad \"thing\"");
  EXPECT_EQ(err.result_int(), 400u);
  EXPECT_EQ(BodyOf(err)["err"], "bad \"thing\"");
}

}  // namespace
}  // namespace vsecm::safe
