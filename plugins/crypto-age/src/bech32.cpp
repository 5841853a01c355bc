// Bech32 for age keys. Identities are secrets, so every intermediate buffer lives on the stack
// and is wiped before returning.
#include "vsecm/age/internal/bech32.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

namespace vsecm::age::internal {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::array<uint32_t, 5> kGenerator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                                0x2a1462b3};

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

uint32_t PolymodStep(uint32_t chk, uint8_t value) {
  uint32_t top = chk >> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ value;
  for (int i = 0; i < 5; ++i) {
    if ((top >> i) & 1) chk ^= kGenerator[i];
  }
  return chk;
}

// The checksum state after the expanded, lower-cased HRP.
uint32_t PolymodHrp(std::string_view hrp) {
  uint32_t chk = 1;
  for (char c : hrp) chk = PolymodStep(chk, static_cast<uint8_t>(ToLower(c)) >> 5);
  chk = PolymodStep(chk, 0);
  for (char c : hrp) chk = PolymodStep(chk, static_cast<uint8_t>(ToLower(c)) & 31);
  return chk;
}

int CharsetIndex(char c) {
  size_t pos = kCharset.find(ToLower(c));
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

bool ValidHrp(std::string_view hrp) {
  if (hrp.empty()) return false;
  bool has_lower = false, has_upper = false;
  for (char c : hrp) {
    if (c < 33 || c > 126) return false;
    has_lower |= (c >= 'a' && c <= 'z');
    has_upper |= (c >= 'A' && c <= 'Z');
  }
  return !(has_lower && has_upper);
}

}  // namespace

Status Bech32Encode(std::string_view hrp, std::span<const uint8_t> data, std::span<char> out) {
  if (!ValidHrp(hrp)) return InvalidArgument("bech32: invalid human-readable part");
  const size_t total = Bech32EncodedLength(hrp.size(), data.size());
  if (out.size() != total || total > kMaxBech32Length) {
    return InvalidArgument("bech32: output buffer has the wrong size");
  }
  bool upper = false;
  for (char c : hrp) upper |= (c >= 'A' && c <= 'Z');

  std::array<uint8_t, kMaxBech32Length> values{};
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values[n++] = static_cast<uint8_t>((acc >> bits) & 31);
    }
  }
  if (bits > 0) values[n++] = static_cast<uint8_t>((acc << (5 - bits)) & 31);

  uint32_t chk = PolymodHrp(hrp);
  for (size_t i = 0; i < n; ++i) chk = PolymodStep(chk, values[i]);
  for (int i = 0; i < 6; ++i) chk = PolymodStep(chk, 0);
  chk ^= 1;

  size_t o = 0;
  for (char c : hrp) out[o++] = c;
  out[o++] = '1';
  for (size_t i = 0; i < n; ++i) {
    char c = kCharset[values[i]];
    out[o++] = upper ? ToUpper(c) : c;
  }
  for (int p = 0; p < 6; ++p) {
    char c = kCharset[(chk >> (5 * (5 - p))) & 31];
    out[o++] = upper ? ToUpper(c) : c;
  }
  OPENSSL_cleanse(values.data(), values.size());
  return Status::Ok();
}

Status Bech32Decode(std::string_view text, std::string_view expected_hrp, std::span<uint8_t> out) {
  if (text.size() > kMaxBech32Length) return InvalidArgument("bech32: string too long");
  bool has_lower = false, has_upper = false;
  for (char c : text) {
    has_lower |= (c >= 'a' && c <= 'z');
    has_upper |= (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) return InvalidArgument("bech32: mixed case");
  size_t pos = text.rfind('1');
  if (pos == std::string_view::npos || pos < 1 || pos + 7 > text.size()) {
    return InvalidArgument("bech32: separator '1' at an invalid position");
  }
  std::string_view hrp = text.substr(0, pos);
  for (char c : hrp) {
    if (c < 33 || c > 126) return InvalidArgument("bech32: invalid character in the prefix");
  }
  if (hrp != expected_hrp) {
    return InvalidArgument("bech32: unexpected prefix (want \"" + std::string(expected_hrp) +
                           "\")");
  }

  std::array<uint8_t, kMaxBech32Length> values{};
  const size_t n = text.size() - pos - 1;
  uint32_t chk = PolymodHrp(hrp);
  Status status;
  for (size_t i = 0; i < n; ++i) {
    int d = CharsetIndex(text[pos + 1 + i]);
    if (d < 0) {
      status = InvalidArgument("bech32: invalid character in the data part");
      break;
    }
    values[i] = static_cast<uint8_t>(d);
    chk = PolymodStep(chk, values[i]);
  }
  if (status.ok() && chk != 1) status = InvalidArgument("bech32: invalid checksum");

  if (status.ok()) {
    // 5-bit groups to bytes, without padding: leftover bits must be fewer than 5 and zero.
    const size_t groups = n - 6;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < groups && status.ok(); ++i) {
      acc = (acc << 5) | values[i];
      bits += 5;
      while (bits >= 8) {
        bits -= 8;
        if (o >= out.size()) {
          status = InvalidArgument("bech32: payload has the wrong length");
          break;
        }
        out[o++] = static_cast<uint8_t>((acc >> bits) & 0xff);
      }
    }
    if (status.ok()) {
      if (bits >= 5) {
        status = InvalidArgument("bech32: illegal zero padding");
      } else if (((acc << (8 - bits)) & 0xff) != 0) {
        status = InvalidArgument("bech32: non-zero padding");
      } else if (o != out.size()) {
        status = InvalidArgument("bech32: payload has the wrong length");
      }
    }
    if (!status.ok()) OPENSSL_cleanse(out.data(), out.size());
  }
  OPENSSL_cleanse(values.data(), values.size());
  return status;
}

}  // namespace vsecm::age::internal
