#include "api_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vsecm::client::internal {
namespace {

HttpReply Reply(unsigned status, std::string_view body) {
  return HttpReply{status, kernel::SecretBytes::CopyOf(body)};
}

TEST(ApiCodecTest, StatusPerFailureKind) {
  EXPECT_TRUE(StatusFromReply(Reply(200, "OK")).ok());

  Status not_ready =
      StatusFromReply(Reply(503, R"({"err":"the safe is not ready: waiting for the root key"})"));
  EXPECT_EQ(not_ready.code(), StatusCode::kUnavailable);
  EXPECT_EQ(not_ready.message(), "the Safe is not ready: waiting for the root key");

  Status refused = StatusFromReply(Reply(
      400, R"({"err":"spiffe://vsecm.com/workload/app/ns/default/sa/app/n/x is not VSecM Sentinel; only Sentinel may use /sentinel/v1/secrets"})"));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("the Safe refused our identity: spiffe://"), std::string::npos);

  Status bad = StatusFromReply(Reply(400, R"({"err":"rendering \"a\": template: 1:5: unexpected"})"));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "rendering \"a\": template: 1:5: unexpected");

  EXPECT_EQ(StatusFromReply(Reply(404, R"({"err":"no secret for \"x\""})")).code(),
            StatusCode::kNotFound);
  Status odd = StatusFromReply(Reply(500, "boom\n"));
  EXPECT_EQ(odd.code(), StatusCode::kInternal);
  EXPECT_EQ(odd.message(), "the Safe answered HTTP 500: boom ");
}

TEST(ApiCodecTest, UpsertBodyIsVsecmsShape) {
  UpsertRequest r;
  r.workloads = {"a", "b"};
  r.namespaces = {"default"};
  r.value = kernel::SecretBytes::CopyOf(std::string_view("{\"k\":\"v\\\"\"}"));
  r.template_text = "{{.k}}";
  r.format = "yaml";
  r.encrypt = true;
  kernel::SecretBytes body = EncodeUpsert(r);
  auto doc = nlohmann::json::parse(body.ExposeText());
  EXPECT_EQ(doc["workloads"], nlohmann::json({"a", "b"}));
  EXPECT_EQ(doc["namespaces"], nlohmann::json({"default"}));
  EXPECT_EQ(doc["value"], "{\"k\":\"v\\\"\"}");
  EXPECT_EQ(doc["template"], "{{.k}}");
  EXPECT_EQ(doc["format"], "yaml");
  EXPECT_EQ(doc["encrypt"], true);
  EXPECT_EQ(doc["notBefore"], "now");
  EXPECT_EQ(doc["expires"], "never");

  auto del = nlohmann::json::parse(EncodeDelete({"x"}).ExposeText());
  EXPECT_EQ(del, nlohmann::json::parse(R"({"workloads":["x"]})"));

  RootKeyParts parts{kernel::SecretBytes::CopyOf(std::string_view("AGE-SECRET-KEY-1X")),
                     kernel::SecretBytes::CopyOf(std::string_view("age1y")),
                     kernel::SecretBytes::CopyOf(std::string_view("ff"))};
  auto keys = nlohmann::json::parse(EncodeRootKey(parts).ExposeText());
  EXPECT_EQ(keys["ageSecretKey"], "AGE-SECRET-KEY-1X");
  EXPECT_EQ(keys["agePublicKey"], "age1y");
  EXPECT_EQ(keys["aesCipherKey"], "ff");
}

TEST(ApiCodecTest, WorkloadSecretWithVsecmsQuotedTimes) {
  auto s = DecodeWorkloadSecret(kernel::SecretBytes::CopyOf(std::string_view(
      R"({"data":"line1\nline2","created":"\"2024-01-01T00:00:00.000Z\"","updated":"\"2024-01-02T00:00:00.000Z\"","extra":1})")).Expose());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->data.ExposeText(), "line1\nline2");
  EXPECT_EQ(s->created, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(s->updated, "2024-01-02T00:00:00.000Z");

  EXPECT_FALSE(DecodeWorkloadSecret(kernel::SecretBytes::CopyOf(std::string_view("{}")).Expose()).ok());
  EXPECT_FALSE(DecodeWorkloadSecret(kernel::SecretBytes::CopyOf(std::string_view("nope")).Expose()).ok());
}

TEST(ApiCodecTest, ListsAndKeystone) {
  auto list = DecodeSecretList(kernel::SecretBytes::CopyOf(std::string_view(
      R"({"secrets":[{"name":"a","created":"c","updated":"u","notBefore":"n","expiresAfter":"e"}]})")).Expose());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[0].expires_after, "e");

  auto enc = DecodeEncryptedList(kernel::SecretBytes::CopyOf(std::string_view(
      R"({"secrets":[{"name":"a","value":"Y2lwaGVy"}],"algorithm":"age"})")).Expose());
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->algorithm, "age");
  EXPECT_EQ(enc->secrets[0].value, "Y2lwaGVy");

  EXPECT_TRUE(*DecodeKeystone(kernel::SecretBytes::CopyOf(std::string_view(R"({"status":"ready"})")).Expose()));
  EXPECT_FALSE(*DecodeKeystone(kernel::SecretBytes::CopyOf(std::string_view(R"({"status":"pending"})")).Expose()));
  EXPECT_FALSE(DecodeKeystone(kernel::SecretBytes::CopyOf(std::string_view(R"({"status":"?"})")).Expose()).ok());
}

}  // namespace
}  // namespace vsecm::client::internal
