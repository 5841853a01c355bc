#include "vsecm/kernel/secret_record.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vsecm::kernel {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Timestamp Ms(int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

SecretRecord MakeRecord(std::vector<std::string_view> values) {
  SecretRecord r;
  r.name = "billing";
  for (std::string_view v : values) r.values.push_back(SecretBytes::CopyOf(v));
  r.namespaces = {"default", "payments"};
  r.template_text = "{\"user\":\"{{.username}}\"}";
  r.format = "json";
  r.correlation_id = "0123456789abcdef0123456789abcdef";
  r.created = Ms(1795438800123);  // 2026-11-23T13:00:00.123Z
  r.updated = Ms(1795438860456);
  return r;
}

void ExpectSame(const SecretRecord& a, const SecretRecord& b) {
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) {
    EXPECT_TRUE(a.values[i].Equals(b.values[i].Expose())) << "values[" << i << "]";
  }
  EXPECT_EQ(a.namespaces, b.namespaces);
  EXPECT_EQ(a.template_text, b.template_text);
  EXPECT_EQ(a.format, b.format);
  EXPECT_EQ(a.correlation_id, b.correlation_id);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.updated, b.updated);
  EXPECT_EQ(a.not_before, b.not_before);
  EXPECT_EQ(a.expires_after, b.expires_after);
}

SecretRecord RoundTrip(const SecretRecord& r) {
  SecretBytes json = EncodeRecord(r);
  auto back = DecodeRecord(json.Expose());
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  if (!back.ok()) return {};
  ExpectSame(r, *back);
  return std::move(back).value();
}

TEST(SecretRecordTest, WritesVSecMFieldNames) {
  SecretRecord r = MakeRecord({"s3cr\"t"});
  EXPECT_EQ(EncodeRecord(r).ExposeText(),
            R"({"name":"billing","values":["s3cr\"t"],"meta":{"namespaces":["default","payments"],)"
            R"("template":"{\"user\":\"{{.username}}\"}","format":"json",)"
            R"("correlationId":"0123456789abcdef0123456789abcdef"},)"
            R"("created":"2026-11-23T13:00:00.123Z","updated":"2026-11-23T13:01:00.456Z","version":1})");
  r.not_before = Ms(0);
  r.expires_after = Ms(1795438800123);
  const SecretBytes json = EncodeRecord(r);
  const std::string_view text = json.ExposeText();
  EXPECT_NE(text.find(R"("notBefore":"1970-01-01T00:00:00.000Z","expiresAfter":"2026-11-23T13:00:00.123Z")"),
            std::string_view::npos)
      << text;
}

TEST(SecretRecordTest, RoundTripsTextValues) {
  RoundTrip(MakeRecord({""}));
  RoundTrip(MakeRecord({"plain"}));
  RoundTrip(MakeRecord({"Grüße, мир, 世界, 🔑🗝️, \xF4\x8F\xBF\xBF"}));
  RoundTrip(MakeRecord({"quote \" backslash \\ slash / \b\f\n\r\t \x01\x1f\x7f"}));
  RoundTrip(MakeRecord({std::string_view("nul\0inside", 10), "{\"json\": [1, 2]}"}));
  SecretRecord empty_meta;
  empty_meta.name = "x";
  empty_meta.values.push_back(SecretBytes());
  RoundTrip(empty_meta);
}

TEST(SecretRecordTest, TextValuesStayReadableJson) {
  const SecretBytes json = EncodeRecord(MakeRecord({"é\n"}));
  const std::string_view text = json.ExposeText();
  EXPECT_NE(text.find(R"("values":["é\u000a"])"), std::string_view::npos) << text;
  EXPECT_EQ(text.find("valuesEncoding"), std::string_view::npos);
}

TEST(SecretRecordTest, RoundTripsEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  SecretRecord one = MakeRecord({all});
  const SecretBytes json = EncodeRecord(one);
  const std::string_view text = json.ExposeText();
  EXPECT_NE(text.find(R"("valuesEncoding":"base64")"), std::string_view::npos);
  RoundTrip(one);

  // Each byte alone, and each byte next to a text value in the same record.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    SecretRecord r = MakeRecord({std::string_view(&c, 1), "text", ""});
    const bool text_ok = b < 0x80;
    const SecretBytes encoded = EncodeRecord(r);
    EXPECT_EQ(encoded.ExposeText().find("valuesEncoding") == std::string_view::npos, text_ok)
        << "byte " << b;
    RoundTrip(r);
  }

  // Every two-byte sequence, so lead and continuation bytes meet in every combination.
  std::string pairs;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      pairs.push_back(static_cast<char>(a));
      pairs.push_back(static_cast<char>(b));
    }
  }
  RoundTrip(MakeRecord({pairs}));
}

TEST(SecretRecordTest, RoundTripsLargeValues) {
  std::mt19937_64 rng(42);
  std::string text(10u << 20, '\0');
  for (char& c : text) c = static_cast<char>(0x20 + rng() % 0x5f);
  RoundTrip(MakeRecord({text}));

  std::string binary(10u << 20, '\0');
  for (char& c : binary) c = static_cast<char>(rng());
  RoundTrip(MakeRecord({binary, "small"}));
}

TEST(SecretRecordTest, RoundTripsManyValuesAndOptionalTimes) {
  std::vector<std::string> owned;
  for (int i = 0; i < 1000; ++i) owned.push_back("value-" + std::to_string(i));
  std::vector<std::string_view> views(owned.begin(), owned.end());
  SecretRecord r = MakeRecord(views);
  r.not_before = Ms(1795438800000);
  RoundTrip(r);
  r.not_before.reset();
  r.expires_after = Ms(253402300799999);  // 9999-12-31T23:59:59.999Z
  RoundTrip(r);
  r.not_before = Ms(-62135596800000);  // 0001-01-01, Go's zero time
  RoundTrip(r);
  r.namespaces.clear();
  r.template_text.clear();
  r.format = "yaml";
  RoundTrip(r);
}

TEST(SecretRecordTest, AcceptsFieldsInAnyOrderWithBlanksAndOffsets) {
  auto r = DecodeRecord(Bytes(R"(
    { "version" : 1, "updated":"2026-11-23T14:01:00.456+01:00", "created":"2026-11-23T13:00:00.123Z",
      "meta":{"format":"raw"}, "values":["YQ=="], "valuesEncoding":"base64", "name":"n" } )"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "n");
  ASSERT_EQ(r->values.size(), 1u);
  EXPECT_EQ(r->values[0].ExposeText(), "a");
  EXPECT_EQ(r->format, "raw");
  EXPECT_EQ(r->updated, Ms(1795438860456));
  EXPECT_FALSE(r->not_before.has_value());
}

constexpr std::string_view kTimes = R"("created":"2026-11-23T13:00:00Z","updated":"2026-11-23T13:00:00Z")";

std::string Doc(std::string_view fields) { return "{" + std::string(fields) + "}"; }

TEST(SecretRecordTest, RejectsEverythingOutsideTheLayout) {
  const std::string base = R"("name":"n","values":["v"],)" + std::string(kTimes);
  const std::pair<std::string, std::string_view> cases[] = {
      {"", "unexpected end"},
      {"[]", "record: expected an object, found an array"},
      {Doc(base) + " x", "unexpected text after the end"},
      {Doc(base) + "{}", "unexpected text after the end"},
      {Doc(base + R"(,"colour":"red")"), "unknown field \"colour\""},
      {Doc(base + R"(,"a b\n":1)"), "unknown field of 4 bytes"},
      {Doc(base + R"(,"meta":{"owner":"x"})"), "meta: unknown field \"owner\""},
      {Doc(base + R"(,"name":"m")"), "record: duplicate key"},
      {Doc(base + R"(,"meta":{"format":"json","format":"raw"})"), "meta: duplicate key"},
      {Doc(R"("values":["v"],)" + std::string(kTimes)), "missing field \"name\""},
      {Doc(R"("name":"n",)" + std::string(kTimes)), "missing field \"values\""},
      {Doc(R"("name":"n","values":["v"],"updated":"2026-11-23T13:00:00Z")"),
       "missing field \"created\""},
      {Doc(R"("name":"n","values":["v"],"created":"2026-11-23T13:00:00Z")"),
       "missing field \"updated\""},
      {Doc(R"("name":1,"values":["v"],)" + std::string(kTimes)),
       "name: expected a string, found a number"},
      {Doc(R"("name":"","values":["v"],)" + std::string(kTimes)), "name: empty"},
      {Doc(R"("name":"n","values":"v",)" + std::string(kTimes)),
       "values: expected an array, found a string"},
      {Doc(R"("name":"n","values":[],)" + std::string(kTimes)), "values: no value"},
      {Doc(R"("name":"n","values":["v",7],)" + std::string(kTimes)),
       "values[1]: expected a string, found a number"},
      {Doc(R"("name":"n","values":[null],)" + std::string(kTimes)),
       "values[0]: expected a string, found null"},
      {Doc(base + R"(,"meta":[])"), "meta: expected an object, found an array"},
      {Doc(base + R"(,"meta":{"namespaces":"default"})"), "meta.namespaces: expected an array"},
      {Doc(base + R"(,"meta":{"namespaces":[true]})"), "meta.namespaces[0]: expected a string"},
      {Doc(base + R"(,"meta":{"template":{}})"), "meta.template: expected a string"},
      {Doc(base + R"(,"meta":{"format":"toml"})"), "meta.format: not a known format"},
      {Doc(base + R"(,"meta":{"correlationId":5})"), "meta.correlationId: expected a string"},
      {Doc(base + R"(,"notBefore":null)"), "notBefore: expected a string, found null"},
      {Doc(base + R"(,"expiresAfter":"tomorrow")"), "expiresAfter at offset"},
      {Doc(R"("name":"n","values":["v"],"created":"2026-11-23","updated":"2026-11-23T13:00:00Z")"),
       "created at offset"},
      {Doc(R"("name":"n","values":["v"],"created":"2026-11-23T13:00:00Z","updated":5)"),
       "updated: expected a string"},
      {Doc(base + R"(,"version":2)"), "version: 2 is not supported"},
      {Doc(base + R"(,"version":"1")"), "version: expected an integer, found a string"},
      {Doc(base + R"(,"version":1.0)"), "version: expected an integer, found a fraction"},
      {Doc(base + R"(,"valuesEncoding":"hex")"), "valuesEncoding: only \"base64\""},
      {Doc(base + R"(,"valuesEncoding":"base64")"), "values[0]: base64 length"},
      {Doc(R"("name":"n","values":["YQ==","Y"],"valuesEncoding":"base64",)" + std::string(kTimes)),
       "values[1]: base64 length"},
      {Doc(R"("name":"n","values":["YR=="],"valuesEncoding":"base64",)" + std::string(kTimes)),
       "values[0]: not canonical base64"},
      {Doc(R"("name":"n","values":["\q"],)" + std::string(kTimes)), "invalid escape"},
      {Doc(R"("name":"n","values":["\ud834"],)" + std::string(kTimes)), "lone high surrogate"},
      {Doc(R"("name":"n","values":["\udd1e"],)" + std::string(kTimes)), "lone low surrogate"},
      {Doc("\"name\":\"n\",\"values\":[\"\xC3\"]," + std::string(kTimes)), "invalid UTF-8"},
      {Doc("\"name\":\"n\",\"values\":[\"tab\there\"]," + std::string(kTimes)),
       "unescaped control character"},
      {Doc(R"("name":"n","values":[[[[[[[[[[[[[[[[[["v"]]]]]]]]]]]]]]]]],)" + std::string(kTimes)),
       "nesting deeper than 16"},
      {Doc(R"("name":"n","values":[["v"]],)" + std::string(kTimes)),
       "values[0]: expected a string, found an array"},
      {Doc(base + ","), "expected a string"},
  };
  for (const auto& [json, want] : cases) {
    auto r = DecodeRecord(Bytes(json));
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << json;
    EXPECT_NE(r.status().message().find(want), std::string::npos)
        << json << "\n  -> " << r.status().message();
    EXPECT_EQ(r.status().message().rfind("secret record: ", 0), 0u) << r.status().message();
  }
}

// Every malformed variant of a record holding a canary is refused without the canary (or any
// piece of it) appearing in the message.
TEST(SecretRecordTest, ErrorsNeverQuoteValues) {
  const std::string canary = "CANARY-b7e1c0d2-SECRET";
  SecretRecord r = MakeRecord({canary, "other"});
  r.not_before = Ms(1);
  const std::string good(EncodeRecord(r).ExposeText());
  ASSERT_TRUE(DecodeRecord(Bytes(good)).ok());

  auto check = [&](const std::string& variant) {
    auto d = DecodeRecord(Bytes(variant));
    if (d.ok()) return 0;
    const std::string m = d.status().message();
    EXPECT_EQ(m.find("CANARY"), std::string::npos) << m;
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
    EXPECT_EQ(m.find("b7e1c0d2"), std::string::npos) << m;
    return 1;
  };
  int refused = 0;
  for (size_t cut = 0; cut < good.size(); ++cut) refused += check(good.substr(0, cut));
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'"', '\\', '{', '}', '[', ']', ':', ',', 'x', '\x01', '\xFF', ' '}) {
      std::string v = good;
      v[i] = c;
      refused += check(v);
      v = good;
      v.insert(i, 1, c);
      refused += check(v);
    }
    std::string erased = good;
    erased.erase(i, 1);
    refused += check(erased);
  }
  // A value's bytes moved where a key, a timestamp, a format or a name is expected.
  for (std::string_view field : {"\"name\":\"billing\"", "\"format\":\"json\"",
                                 "\"created\":\"2026-11-23T13:00:00.123Z\""}) {
    std::string v = good;
    const size_t at = v.find(field);
    ASSERT_NE(at, std::string::npos);
    const size_t colon = v.find(':', at);
    v.replace(colon + 1, field.size() - (colon + 1 - at), "\"" + canary + "\"");
    refused += check(v);
    v = good;
    v.replace(at, colon - at, "\"" + canary + "\"");
    refused += check(v);
  }
  EXPECT_GT(refused, 1000);
}

// Random mutations of a valid record: the decoder must return, ok or not, and never crash.
TEST(SecretRecordTest, SurvivesRandomMutations) {
  SecretRecord r = MakeRecord({"first \"value\" \xC3\xA9\n", "second"});
  r.expires_after = Ms(1795438800123);
  const std::string good(EncodeRecord(r).ExposeText());
  std::string binary_values = "\x01\xFF";
  SecretRecord b = MakeRecord({binary_values, "x"});
  const std::string good_binary(EncodeRecord(b).ExposeText());

  std::mt19937 rng(20261123);
  int ok = 0, refused = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    std::string v = (iter % 2 == 0) ? good : good_binary;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !v.empty(); ++e) {
      const size_t at = rng() % v.size();
      switch (rng() % 6) {
        case 0: v[at] = static_cast<char>(rng()); break;
        case 1: v[at] ^= static_cast<char>(1u << (rng() % 8)); break;
        case 2: v.insert(at, 1, "\"\\{}[]:,0u\x80 "[rng() % 13]); break;
        case 3: v.erase(at, 1 + rng() % 8); break;
        case 4: v.resize(at); break;
        default: v.insert(at, v.substr(rng() % v.size(), rng() % 16)); break;
      }
    }
    auto d = DecodeRecord(Bytes(v));
    if (d.ok()) {
      ++ok;
      EXPECT_FALSE(d->values.empty());
      EXPECT_FALSE(d->name.empty());
      // Whatever was accepted must encode and decode to the same record.
      SecretBytes again = EncodeRecord(*d);
      auto d2 = DecodeRecord(again.Expose());
      ASSERT_TRUE(d2.ok()) << d2.status().ToString();
      ExpectSame(*d, *d2);
    } else {
      ++refused;
      EXPECT_FALSE(d.status().message().empty());
    }
  }
  EXPECT_EQ(ok + refused, 10000);
  EXPECT_GT(refused, 5000);
}

}  // namespace
}  // namespace vsecm::kernel
