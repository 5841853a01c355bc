// Encrypt/Decrypt through the public API: round trips at chunk boundaries, several recipients,
// armor, passphrases, and every way a file can be malformed, truncated, extended or tampered
// with. Failures must return the documented code and, where the failure precedes any
// authenticated chunk, append nothing at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "age_craft.hpp"
#include "age_test_util.hpp"
#include "vsecm/age/age.hpp"
#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/stream.hpp"

namespace vsecm::age {
namespace {

using testing::Bytes;
using testing::Chunk;
using testing::Crafter;
using testing::DecryptWith;
using testing::DecryptWithKeys;
using testing::EncryptTo;
using testing::KeyPair;
using testing::NewKeyPair;
using testing::Output;
using testing::RandomBytes;

constexpr size_t kChunk = 64 * 1024;

std::vector<uint8_t> EncryptOk(const KeyPair& kp, const std::vector<uint8_t>& plain,
                               Armor armor = Armor::kBinary) {
  Output out = EncryptTo(std::span<const Recipient>(&kp.recipient, 1), plain, armor);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  return out.data;
}

// Position of the header's MAC line ("--- ...").
size_t MacLine(const std::vector<uint8_t>& file) {
  std::string text(file.begin(), file.end());
  return text.find("\n--- ") + 1;
}
size_t PayloadStart(const std::vector<uint8_t>& file) {
  std::string text(file.begin(), file.end());
  return text.find('\n', MacLine(file)) + 1;
}

void ExpectRejected(const Output& out, StatusCode code, const char* what) {
  EXPECT_EQ(out.status.code(), code) << what << ": " << out.status.ToString();
  EXPECT_EQ(out.sink_bytes, 0u) << what << ": plain text reached the sink";
}

class AgeRoundTripTest : public ::testing::TestWithParam<size_t> {};

TEST_P(AgeRoundTripTest, BinaryAndArmored) {
  KeyPair kp = NewKeyPair();
  std::vector<uint8_t> plain = RandomBytes(GetParam());
  for (Armor armor : {Armor::kBinary, Armor::kArmored}) {
    std::vector<uint8_t> file = EncryptOk(kp, plain, armor);
    EXPECT_TRUE(LooksLikeAge(file));
    Output out = DecryptWith(kp.secret, file);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.data, plain);
    if (armor == Armor::kBinary) {
      EXPECT_EQ(file.size() - PayloadStart(file), 16 + internal::SealedPayloadSize(plain.size()));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, AgeRoundTripTest,
                         ::testing::Values(0, 1, 100, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk,
                                           3 * kChunk + 17));

TEST(AgeFormatTest, SeveralRecipientsEachDecrypt) {
  KeyPair a = NewKeyPair(), b = NewKeyPair(), c = NewKeyPair(), outsider = NewKeyPair();
  std::vector<Recipient> recipients = {a.recipient, b.recipient, c.recipient};
  std::vector<uint8_t> plain = RandomBytes(1000);
  Output enc = EncryptTo(recipients, plain);
  ASSERT_TRUE(enc.status.ok());
  for (const KeyPair* kp : {&a, &b, &c}) {
    Output out = DecryptWith(kp->secret, enc.data);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.data, plain);
  }
  ExpectRejected(DecryptWith(outsider.secret, enc.data), StatusCode::kNotFound, "outsider");
  // With several identities, any matching one opens the file.
  std::vector<SecretView> ids = {SecretView(outsider.secret), SecretView(c.secret)};
  DecryptKeys keys;
  keys.identities = ids;
  Output out = DecryptWithKeys(keys, enc.data);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.data, plain);
}

TEST(AgeFormatTest, RefusesBadArguments) {
  KeyPair kp = NewKeyPair();
  EXPECT_EQ(EncryptTo({}, Bytes("x")).status.code(), StatusCode::kInvalidArgument);
  DecryptKeys none;
  std::vector<uint8_t> file = EncryptOk(kp, Bytes("x"));
  ExpectRejected(DecryptWithKeys(none, file), StatusCode::kInvalidArgument, "no keys");
  DecryptKeys empty_pass;
  empty_pass.has_passphrase = true;
  ExpectRejected(DecryptWithKeys(empty_pass, file), StatusCode::kInvalidArgument, "empty pass");
  // A low-order recipient cannot be encrypted to.
  Recipient zero{};
  EXPECT_EQ(EncryptTo(std::span<const Recipient>(&zero, 1), Bytes("x")).status.code(),
            StatusCode::kInvalidArgument);
}

TEST(AgeFormatTest, WrongIdentityIsNotFound) {
  KeyPair kp = NewKeyPair(), other = NewKeyPair();
  std::vector<uint8_t> file = EncryptOk(kp, Bytes("secret value"));
  ExpectRejected(DecryptWith(other.secret, file), StatusCode::kNotFound, "wrong key");
}

TEST(AgeFormatTest, TamperedHeaderIsRejected) {
  KeyPair kp = NewKeyPair();
  const std::vector<uint8_t> file = EncryptOk(kp, Bytes("secret value"));
  const size_t mac = MacLine(file);

  std::vector<uint8_t> t = file;
  t[mac + 4] = t[mac + 4] == 'A' ? 'B' : 'A';  // first MAC character: all 6 bits significant
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kIntegrityFailure, "mac flipped");

  t = file;  // the wrapped file key (first body character)
  size_t body = std::string(file.begin(), file.end()).find('\n', 22 + 3) + 1;
  t[body] = t[body] == 'A' ? 'B' : 'A';
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kNotFound, "wrapped key flipped");

  t = file;  // the ephemeral share (first character after "-> X25519 ")
  size_t share = std::string(file.begin(), file.end()).find("X25519 ") + 7;
  t[share] = t[share] == 'A' ? 'B' : 'A';
  Output out = DecryptWith(kp.secret, t);
  EXPECT_FALSE(out.status.ok());
  EXPECT_EQ(out.sink_bytes, 0u);

  t = file;  // padding after the share
  t.insert(t.begin() + static_cast<long>(share + 43), '=');
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kInvalidArgument, "share padded");

  t = file;  // 43 characters carry 258 bits: the last 2 must be zero, and 'B' sets one
  t[share + 42] = 'B';
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kInvalidArgument, "share non-canonical");

  t = file;  // lower-casing the stanza type makes it a foreign stanza: nothing matches
  t[share - 7] = 'x';
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kNotFound, "stanza type lower case");

  t = file;  // version line: "age-encryption.org/v1" -> ".../v2"
  t[20] = '2';
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kInvalidArgument, "version");
}

TEST(AgeFormatTest, TamperedPayloadIsRejected) {
  KeyPair kp = NewKeyPair();
  const std::vector<uint8_t> file = EncryptOk(kp, RandomBytes(1000));
  const size_t p = PayloadStart(file);
  std::vector<uint8_t> t = file;
  t[p + 3] ^= 1;  // the payload nonce
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kIntegrityFailure, "nonce flipped");
  t = file;
  t[p + 16 + 500] ^= 0x80;  // cipher text
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kIntegrityFailure, "chunk flipped");
  t = file;
  t.back() ^= 1;  // tag
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kIntegrityFailure, "tag flipped");
}

TEST(AgeFormatTest, TruncatedFilesAreRejected) {
  KeyPair kp = NewKeyPair();
  const std::vector<uint8_t> file = EncryptOk(kp, RandomBytes(1000));
  const size_t p = PayloadStart(file);
  auto cut = [&](size_t n) { return std::vector<uint8_t>(file.begin(), file.begin() + n); };
  ExpectRejected(DecryptWith(kp.secret, cut(file.size() - 1)), StatusCode::kIntegrityFailure,
                 "last byte cut");
  ExpectRejected(DecryptWith(kp.secret, cut(p + 16 + 10)), StatusCode::kDataLoss,
                 "cut inside the first tag-sized prefix");
  ExpectRejected(DecryptWith(kp.secret, cut(p + 16)), StatusCode::kDataLoss, "no chunks");
  ExpectRejected(DecryptWith(kp.secret, cut(p + 7)), StatusCode::kDataLoss, "nonce cut");
  ExpectRejected(DecryptWith(kp.secret, cut(p)), StatusCode::kDataLoss, "header only");
  ExpectRejected(DecryptWith(kp.secret, cut(p - 1)), StatusCode::kDataLoss, "mac line cut");
  ExpectRejected(DecryptWith(kp.secret, cut(40)), StatusCode::kDataLoss, "stanza cut");
  ExpectRejected(DecryptWith(kp.secret, {}), StatusCode::kInvalidArgument, "empty file");
}

TEST(AgeFormatTest, TruncatedAtChunkBoundaryIsDataLoss) {
  KeyPair kp = NewKeyPair();
  const std::vector<uint8_t> file = EncryptOk(kp, RandomBytes(2 * kChunk));
  std::vector<uint8_t> t(file.begin(), file.end() - static_cast<long>(kChunk + 16));
  Output out = DecryptWith(kp.secret, t);
  // The first chunk authenticated and was written; the kernel wipes it on this error.
  EXPECT_EQ(out.status.code(), StatusCode::kDataLoss) << out.status.ToString();
}

TEST(AgeFormatTest, ExtendedFilesAreRejected) {
  KeyPair kp = NewKeyPair();
  std::vector<uint8_t> t = EncryptOk(kp, RandomBytes(1000));
  t.push_back(0);
  ExpectRejected(DecryptWith(kp.secret, t), StatusCode::kIntegrityFailure, "short chunk + 1");

  // A full-size final chunk followed by anything: trailing data.
  std::vector<uint8_t> full = EncryptOk(kp, RandomBytes(kChunk));
  full.push_back(0);
  ExpectRejected(DecryptWith(kp.secret, full), StatusCode::kDataLoss, "full chunk + 1");
}

TEST(AgeFormatTest, StreamChunkRules) {
  KeyPair kp = NewKeyPair();
  Crafter c;
  std::vector<internal::Stanza> stanzas = {c.X25519Stanza(kp.recipient)};
  std::vector<uint8_t> full = RandomBytes(kChunk), part = RandomBytes(10);

  // Control: a well-formed crafted file opens.
  Output ok = DecryptWith(kp.secret, c.File(stanzas, {{full, false}, {part, true}}));
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.data.size(), kChunk + 10);

  // The empty final chunk is allowed only for an empty plain text.
  Output empty = DecryptWith(kp.secret, c.File(stanzas, {{{}, true}}));
  ASSERT_TRUE(empty.status.ok());
  EXPECT_TRUE(empty.data.empty());
  EXPECT_EQ(DecryptWith(kp.secret, c.File(stanzas, {{full, false}, {{}, true}})).status.code(),
            StatusCode::kDataLoss);

  // No final chunk at all.
  EXPECT_EQ(DecryptWith(kp.secret, c.File(stanzas, {{full, false}})).status.code(),
            StatusCode::kDataLoss);
  ExpectRejected(DecryptWith(kp.secret, c.File(stanzas, {{part, false}})),
                 StatusCode::kIntegrityFailure, "short chunk without the last flag");
  // A chunk after the final one.
  ExpectRejected(DecryptWith(kp.secret, c.File(stanzas, {{full, true}, {part, true}})),
                 StatusCode::kDataLoss, "chunk after a full final chunk");
  ExpectRejected(DecryptWith(kp.secret, c.File(stanzas, {{part, true}, {part, true}})),
                 StatusCode::kIntegrityFailure, "two short final chunks");
  // Chunks out of order.
  std::vector<uint8_t> swapped = c.File(stanzas, {{full, false}, {full, false}, {part, true}});
  const long first = static_cast<long>(c.Header(stanzas).size() + 16);
  const long sealed = static_cast<long>(kChunk + 16);
  std::rotate(swapped.begin() + first, swapped.begin() + first + sealed,
              swapped.begin() + first + 2 * sealed);
  ExpectRejected(DecryptWith(kp.secret, swapped), StatusCode::kIntegrityFailure, "reordered");
}

TEST(AgeFormatTest, LowOrderSharesAreRejected) {
  KeyPair kp = NewKeyPair();
  Crafter c;
  // u = 0, u = 1 and a point of order 8: every clamped scalar maps them to the zero point.
  const std::vector<std::string> shares = {
      std::string(32, '\0'), std::string("\x01") + std::string(31, '\0'),
      std::string("\xe0\xeb\x7a\x7c\x3b\x41\xb8\xae\x16\x56\xe3\xfa\xf1\x9f\xc4\x6a\xda\x09\x8d"
                  "\xeb\x9c\x32\xb1\xfd\x86\x62\x05\x16\x5f\x49\xb8\x00",
                  32)};
  for (const std::string& share : shares) {
    internal::Stanza s;
    s.type = "X25519";
    s.args = {internal::Base64RawEncode(Bytes(share))};
    s.body = RandomBytes(32);
    std::vector<uint8_t> file = c.File({s}, {{Bytes("x"), true}});
    ExpectRejected(DecryptWith(kp.secret, file), StatusCode::kIntegrityFailure, "low order");
  }
}

TEST(AgeFormatTest, MalformedX25519StanzasAreInvalid) {
  KeyPair kp = NewKeyPair();
  Crafter c;
  internal::Stanza good = c.X25519Stanza(kp.recipient);
  auto check = [&](internal::Stanza s, const char* what) {
    ExpectRejected(DecryptWith(kp.secret, c.File({s}, {{Bytes("x"), true}})),
                   StatusCode::kInvalidArgument, what);
  };
  internal::Stanza s = good;
  s.args.push_back("extra");
  check(s, "extra argument");
  s = good;
  s.args[0] = s.args[0].substr(0, 42);
  check(s, "short share");
  s = good;
  s.body.push_back(0);
  check(s, "long body");
  s = good;
  s.body.pop_back();
  check(s, "short body");
}

TEST(AgeFormatTest, GreaseStanzasAreIgnored) {
  KeyPair kp = NewKeyPair();
  Crafter c;
  internal::Stanza grease;
  grease.type = "vsecm.test/grease";
  grease.args = {"!#$%", "&'()*+"};
  grease.body = RandomBytes(100);
  std::vector<uint8_t> file =
      c.File({grease, c.X25519Stanza(kp.recipient)}, {{Bytes("hello"), true}});
  Output out = DecryptWith(kp.secret, file);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(testing::Text(out.data), "hello");
  // The MAC covers grease stanzas too.
  std::string header = c.Header({grease, c.X25519Stanza(kp.recipient)}, /*good_mac=*/false);
  std::vector<uint8_t> bad(header.begin(), header.end());
  std::vector<uint8_t> payload = c.Payload({{Bytes("hello"), true}});
  bad.insert(bad.end(), payload.begin(), payload.end());
  ExpectRejected(DecryptWith(kp.secret, bad), StatusCode::kIntegrityFailure, "bad mac");
}

TEST(AgeFormatTest, ScryptStanzas) {
  KeyPair kp = NewKeyPair();
  Crafter c;
  const std::string pass = "correct horse battery staple";
  DecryptKeys keys;
  keys.passphrase = {reinterpret_cast<const uint8_t*>(pass.data()), pass.size()};
  keys.has_passphrase = true;

  std::vector<uint8_t> file = c.File({c.ScryptStanza(pass, 10)}, {{Bytes("by passphrase"), true}});
  Output out = DecryptWithKeys(keys, file);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(testing::Text(out.data), "by passphrase");

  const std::string wrong = "wrong";
  DecryptKeys wrong_keys = keys;
  wrong_keys.passphrase = {reinterpret_cast<const uint8_t*>(wrong.data()), wrong.size()};
  ExpectRejected(DecryptWithKeys(wrong_keys, file), StatusCode::kNotFound, "wrong passphrase");
  // An identity alone does not open a passphrase file.
  ExpectRejected(DecryptWith(kp.secret, file), StatusCode::kNotFound, "identity for scrypt");

  ExpectRejected(DecryptWithKeys(keys, c.File({c.ScryptStanza(pass, 10), c.ScryptStanza(pass, 10)},
                                              {{Bytes("x"), true}})),
                 StatusCode::kInvalidArgument, "two scrypt stanzas");
  // scrypt with another stanza: refused even for the identity that matches the other stanza.
  std::vector<uint8_t> mixed =
      c.File({c.X25519Stanza(kp.recipient), c.ScryptStanza(pass, 10)}, {{Bytes("x"), true}});
  ExpectRejected(DecryptWithKeys(keys, mixed), StatusCode::kInvalidArgument, "scrypt + x25519");
  ExpectRejected(DecryptWith(kp.secret, mixed), StatusCode::kInvalidArgument, "x25519 + scrypt");

  // Work factor limits and encoding.
  DecryptKeys low = keys;
  low.max_scrypt_log_n = 9;
  ExpectRejected(DecryptWithKeys(low, file), StatusCode::kInvalidArgument, "work factor > max");
  for (const char* wf : {"010", "0", "+10", "0x0a", "-1", "99999999999999999999", "a", "23"}) {
    internal::Stanza s = c.ScryptStanza(pass, 10);
    s.args[1] = wf;
    ExpectRejected(DecryptWithKeys(keys, c.File({s}, {{Bytes("x"), true}})),
                   StatusCode::kInvalidArgument, wf);
  }
  internal::Stanza s = c.ScryptStanza(pass, 10);
  s.args[0] += "=";
  ExpectRejected(DecryptWithKeys(keys, c.File({s}, {{Bytes("x"), true}})),
                 StatusCode::kInvalidArgument, "padded salt");
  s = c.ScryptStanza(pass, 10);
  s.args.pop_back();
  ExpectRejected(DecryptWithKeys(keys, c.File({s}, {{Bytes("x"), true}})),
                 StatusCode::kInvalidArgument, "missing work factor");
}

TEST(AgeFormatTest, BadArmorIsRejectedBeforeAnyOutput) {
  KeyPair kp = NewKeyPair();
  std::vector<uint8_t> armored = EncryptOk(kp, Bytes("armored secret"), Armor::kArmored);
  std::string text(armored.begin(), armored.end());
  ExpectRejected(DecryptWith(kp.secret, Bytes(text + "trailing")), StatusCode::kInvalidArgument,
                 "garbage after armor");
  std::string no_end = text.substr(0, text.find("-----END"));
  ExpectRejected(DecryptWith(kp.secret, Bytes(no_end)), StatusCode::kInvalidArgument,
                 "no end line");
  Output ok = DecryptWith(kp.secret, Bytes("\n\n" + text + "\n"));
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(testing::Text(ok.data), "armored secret");
}

}  // namespace
}  // namespace vsecm::age
