#include "list_output.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vsecm::sentinel {
namespace {

client::SecretSummary Summary(std::string name, std::string nbf = "0001-01-01T00:00:00Z",
                              std::string exp = "0001-01-01T00:00:00Z") {
  return {std::move(name), "2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z", std::move(nbf),
          std::move(exp)};
}

TEST(ListOutputTest, TableAlignsColumnsAndShowsUnsetDates) {
  std::string t = FormatTable({Summary("a"), Summary("longer-name", "2030-01-01T00:00:00.000Z",
                                                      "2031-01-01T00:00:00.000Z")});
  EXPECT_EQ(t,
            "NAME         CREATED                   UPDATED                   NOT BEFORE                EXPIRES\n"
            "a            2024-01-01T00:00:00.000Z  2024-01-02T00:00:00.000Z  -                         never\n"
            "longer-name  2024-01-01T00:00:00.000Z  2024-01-02T00:00:00.000Z  2030-01-01T00:00:00.000Z  2031-01-01T00:00:00.000Z\n");
}

TEST(ListOutputTest, EncryptedTableHasTheValueColumn) {
  client::EncryptedSecretList list{{{Summary("a"), "YWdlLWVuY3J5cHRpb24="}}, "age"};
  std::string t = FormatEncryptedTable(list);
  EXPECT_NE(t.find("VALUE (age, encrypted)"), std::string::npos) << t;
  EXPECT_EQ(t,
            "NAME  CREATED                   UPDATED                   NOT BEFORE  EXPIRES  VALUE (age, encrypted)\n"
            "a     2024-01-01T00:00:00.000Z  2024-01-02T00:00:00.000Z  -           never    YWdlLWVuY3J5cHRpb24=\n");
}

TEST(ListOutputTest, JsonKeepsTheSafesFieldNames) {
  auto doc = nlohmann::json::parse(FormatJson({Summary("a")}));
  ASSERT_EQ(doc["secrets"].size(), 1u);
  EXPECT_EQ(doc["secrets"][0]["name"], "a");
  EXPECT_EQ(doc["secrets"][0]["notBefore"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(doc["secrets"][0]["expiresAfter"], "0001-01-01T00:00:00Z");
  EXPECT_FALSE(doc["secrets"][0].contains("value"));
  EXPECT_EQ(nlohmann::json::parse(FormatJson({}))["secrets"], nlohmann::json::array());

  auto enc = nlohmann::json::parse(FormatEncryptedJson({{{Summary("b"), "Y2lwaGVy"}}, "aes"}));
  EXPECT_EQ(enc["algorithm"], "aes");
  EXPECT_EQ(enc["secrets"][0]["value"], "Y2lwaGVy");
}

}  // namespace
}  // namespace vsecm::sentinel
