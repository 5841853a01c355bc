// The JSON value model: Go's decoding rules, and that every byte of it lives in the memory
// the rendering was given.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

class JsonTest : public ::testing::Test {
 protected:
  JsonParseResult Parse(std::string_view text, int depth = 64) { return ParseJson(text, depth, arena_.resource()); }
  RenderArena arena_{WipingHeapBackend(), size_t{16} << 20};
};

TEST_F(JsonTest, DecodesTheJsonTypes) {
  auto r = Parse(R"( {"s":"x","n":-1.5e2,"t":true,"f":false,"z":null,"a":[1,{}],"o":{"k":"v"}} )");
  ASSERT_EQ(r.status, JsonParseStatus::kOk);
  const JsonValue& v = *r.value;
  EXPECT_EQ(v.type, JsonType::kObject);
  EXPECT_EQ(v.Find("s")->string, "x");
  EXPECT_EQ(v.Find("n")->number, -150);
  EXPECT_TRUE(v.Find("t")->boolean);
  EXPECT_EQ(v.Find("z")->type, JsonType::kNull);
  EXPECT_EQ(v.Find("a")->array.size(), 2u);
  EXPECT_EQ(v.Find("o")->Find("k")->string, "v");
  EXPECT_EQ(v.Find("missing"), nullptr);
}

TEST_F(JsonTest, KeysAreSortedAndTheLastDuplicateWins) {
  auto r = Parse(R"({"b":1,"a":2,"b":3})");
  ASSERT_EQ(r.status, JsonParseStatus::kOk);
  ASSERT_EQ(r.value->object.size(), 2u);
  EXPECT_EQ(r.value->object[0].key, "a");
  EXPECT_EQ(r.value->object[1].key, "b");
  EXPECT_EQ(r.value->object[1].value.number, 3);
}

TEST_F(JsonTest, StringEscapesAndInvalidUtf8AsGoDecodesThem) {
  auto r = Parse("{\"s\":\"\\u00e9\\ud83d\\ude00\\ud800x\\n\\/\xff\"}");
  ASSERT_EQ(r.status, JsonParseStatus::kOk);
  EXPECT_EQ(r.value->Find("s")->string, "\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBDx\n/\xEF\xBF\xBD");
}

TEST_F(JsonTest, NumbersOutOfRange) {
  EXPECT_EQ(Parse(R"({"n":1e400})").status, JsonParseStatus::kSyntax);  // Go: cannot unmarshal
  auto r = Parse(R"({"n":1e-400})");                                    // Go: rounds to zero
  ASSERT_EQ(r.status, JsonParseStatus::kOk);
  EXPECT_EQ(r.value->Find("n")->number, 0);
}

TEST_F(JsonTest, RejectsWhatGoRejects) {
  for (const char* bad : {"", "{", "{\"a\":1,}", "[1 2]", "{'a':1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
                          "{\"a\":\"\t\"}", "{\"a\":\"\\x\"}", "{} {}", "nul", "{\"a\":-}", "\"\\ud83d"}) {
    EXPECT_EQ(Parse(bad).status, JsonParseStatus::kSyntax) << bad;
  }
}

TEST_F(JsonTest, DepthIsLimited) {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  EXPECT_EQ(Parse(deep).status, JsonParseStatus::kTooDeep);
  EXPECT_EQ(Parse(deep.substr(1, 128)).status, JsonParseStatus::kOk);
}

// A backend that records what it hands out, so the test can see that the secret went
// nowhere else and that everything was returned.
struct RecordingBackend {
  static uint8_t* Alloc(void* ctx, size_t len) {
    auto* self = static_cast<RecordingBackend*>(ctx);
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(16, (len + 15) / 16 * 16));
    self->live.push_back({p, len});
    self->total += len;
    return p;
  }
  static void Free(void* ctx, uint8_t* p, size_t len) {
    auto* self = static_cast<RecordingBackend*>(ctx);
    for (auto& b : self->live) {
      if (b.first == p) {
        b = self->live.back();
        self->live.pop_back();
        break;
      }
    }
    // Remember whether the canary was still in the block when it came back.
    if (std::string_view(reinterpret_cast<char*>(p), len).find("CANARY") != std::string_view::npos) ++self->canaries;
    std::memset(p, 0, len);
    std::free(p);
  }
  SecureBackend backend() { return {this, &Alloc, &Free}; }

  std::vector<std::pair<uint8_t*, size_t>> live;
  size_t total = 0;
  int canaries = 0;
};

TEST(SecureMemoryTest, RenderingKeepsTheSecretInTheBackendAndReturnsEverything) {
  RecordingBackend rec;
  std::string out;
  Status s = Render(R"({"k":"CANARY-value","list":["CANARY-1","CANARY-2"]})",
                    R"({{range .list}}{{printf "%s/%s" $.k .}}{{end}})", "yaml", Limits{}, rec.backend(),
                    [&](std::string_view b) { out.append(b); });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, "CANARY-value/CANARY-1CANARY-value/CANARY-2");
  EXPECT_GT(rec.total, 0u);
  EXPECT_TRUE(rec.live.empty()) << rec.live.size() << " blocks were not returned";
  // The parsed value and the computed strings were in backend memory when it was returned
  // (the backend, like the host's, wipes it then).
  EXPECT_GT(rec.canaries, 0);
}

TEST(SecureMemoryTest, MemoryBudgetIsEnforced) {
  Limits limits;
  limits.max_memory_bytes = 64 << 10;
  std::string big = "{\"l\":[";
  for (int i = 0; i < 5000; ++i) big += (i ? ",\"" : "\"") + std::string(20, 'x') + "\"";
  big += "]}";
  auto r = testing::RenderValue(big, "{{len .l}}", "raw", limits);
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status.message().find("max_memory_bytes"), std::string::npos) << r.status.message();
}

}  // namespace
}  // namespace vsecm::transform

namespace vsecm::transform {
namespace {

TEST(SecurePoolTest, RecyclesSmallBlocksAndPassesLargeOnesThrough) {
  RecordingBackend rec;
  {
    RenderArena arena(rec.backend(), size_t{1} << 20);
    std::pmr::memory_resource* mr = arena.resource();
    void* a = mr->allocate(24, 8);
    mr->deallocate(a, 24, 8);
    void* b = mr->allocate(30, 8);
    EXPECT_EQ(a, b) << "a freed block of the same class is reused";
    EXPECT_EQ(rec.live.size(), 1u) << "small blocks come from one 4 KiB chunk";
    void* big = mr->allocate(10000, 16);
    EXPECT_EQ(rec.live.size(), 2u);
    mr->deallocate(big, 10000, 16);
    EXPECT_EQ(rec.live.size(), 1u);
    for (int i = 0; i < 1000; ++i) mr->deallocate(mr->allocate(100, 8), 100, 8);
    EXPECT_EQ(rec.live.size(), 1u) << "a loop of temporaries does not grow the arena";
    mr->deallocate(b, 30, 8);
  }
  EXPECT_TRUE(rec.live.empty());
}

}  // namespace
}  // namespace vsecm::transform
