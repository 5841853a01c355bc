// Vectors from the C2SP age testkit (github.com/C2SP/CCTV, age/testdata). A selection of the
// small ones is embedded; set VSECM_AGE_TESTKIT_DIR to a directory of (decompressed) testkit
// files to run all of them — post-quantum vectors ("hybrid", "AGE-SECRET-KEY-PQ-") excepted.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "age_test_util.hpp"
#include "vsecm/age/age.hpp"

namespace vsecm::age {
namespace {

struct Vector {
  std::string name;
  std::string expect;
  std::vector<std::string> identities;
  std::vector<std::string> passphrases;
  std::string payload_sha256;
  std::vector<uint8_t> file;
};

struct EmbeddedVector {
  const char* name;
  const char* expect;
  const char* identity;
  const char* passphrase;
  const char* payload_sha256;
  const char* file_hex;
};

constexpr EmbeddedVector kEmbedded[] = {
#include "testkit_vectors.inc"
};

// Which codes each testkit outcome may map to.
std::set<StatusCode> Allowed(const std::string& expect) {
  if (expect == "no match") return {StatusCode::kNotFound};
  if (expect == "HMAC failure") return {StatusCode::kIntegrityFailure};
  if (expect == "armor failure") return {StatusCode::kInvalidArgument};
  // Header failures are malformed headers, truncated headers and low-order shares.
  if (expect == "header failure") {
    return {StatusCode::kInvalidArgument, StatusCode::kDataLoss, StatusCode::kIntegrityFailure};
  }
  if (expect == "payload failure") return {StatusCode::kDataLoss, StatusCode::kIntegrityFailure};
  return {};
}

// Runs one vector: tries every identity and passphrase together, as age's testkit runner does.
void Check(const Vector& v) {
  SCOPED_TRACE(v.name);
  std::vector<std::array<uint8_t, 32>> secrets(v.identities.size());
  std::vector<SecretView> views;
  for (size_t i = 0; i < v.identities.size(); ++i) {
    ASSERT_TRUE(DecodeIdentity(v.identities[i], secrets[i]).ok());
    views.emplace_back(secrets[i]);
  }
  // Our API takes one passphrase; the kit's two-passphrase vectors fail before either is used.
  DecryptKeys keys;
  keys.identities = views;
  if (!v.passphrases.empty()) {
    keys.passphrase = {reinterpret_cast<const uint8_t*>(v.passphrases[0].data()),
                       v.passphrases[0].size()};
    keys.has_passphrase = true;
  }
  testing::Output out = testing::DecryptWithKeys(keys, v.file);
  if (v.expect == "success") {
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(testing::Sha256Hex(out.data), v.payload_sha256);
    return;
  }
  EXPECT_FALSE(out.status.ok());
  std::set<StatusCode> allowed = Allowed(v.expect);
  EXPECT_TRUE(allowed.count(out.status.code())) << v.expect << " vs " << out.status.ToString();
  if (v.expect != "payload failure") {
    EXPECT_EQ(out.sink_bytes, 0u) << "output before the payload was reached";
  }
}

TEST(AgeTestkitTest, EmbeddedVectors) {
  size_t count = 0;
  for (const EmbeddedVector& e : kEmbedded) {
    Vector v{e.name, e.expect, {}, {}, e.payload_sha256, testing::FromHex(e.file_hex)};
    if (*e.identity != '\0') v.identities.emplace_back(e.identity);
    if (*e.passphrase != '\0') v.passphrases.emplace_back(e.passphrase);
    Check(v);
    ++count;
  }
  EXPECT_GE(count, 40u);
}

TEST(AgeTestkitTest, FullKitFromDirectory) {
  const char* dir = std::getenv("VSECM_AGE_TESTKIT_DIR");
  if (dir == nullptr) GTEST_SKIP() << "VSECM_AGE_TESTKIT_DIR is not set";
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(f)), {});
    size_t split = data.find("\n\n");
    ASSERT_NE(split, std::string::npos) << entry.path();
    Vector v;
    v.name = entry.path().filename().string();
    bool skip = false;
    size_t pos = 0;
    const std::string header = data.substr(0, split + 1);
    while (pos < header.size()) {
      size_t lf = header.find('\n', pos);
      std::string line = header.substr(pos, lf - pos);
      pos = lf + 1;
      size_t colon = line.find(": ");
      std::string key = line.substr(0, colon), value = line.substr(colon + 2);
      if (key == "expect") v.expect = value;
      if (key == "payload") v.payload_sha256 = value;
      if (key == "identity") {
        if (value.starts_with("AGE-SECRET-KEY-PQ-")) skip = true;
        v.identities.push_back(value);
      }
      if (key == "passphrase") v.passphrases.push_back(value);
      if (key == "compressed") skip = true;  // decompress the kit before pointing us at it
    }
    if (skip || v.name.find("hybrid") != std::string::npos) continue;
    v.file.assign(data.begin() + static_cast<long>(split + 2), data.end());
    Check(v);
    ++count;
  }
  EXPECT_GT(count, 100u);
}

}  // namespace
}  // namespace vsecm::age
