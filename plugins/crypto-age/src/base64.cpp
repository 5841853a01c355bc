// Strict base64. Hand-written instead of EVP_DecodeBlock because OpenSSL's decoder accepts
// whitespace and non-canonical trailing bits, which would make age headers malleable.
#include "vsecm/age/internal/base64.hpp"

#include <array>

namespace vsecm::age::internal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeReverse() {
  std::array<int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (int i = 0; i < 64; ++i) r[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return r;
}
constexpr std::array<int8_t, 256> kReverse = MakeReverse();

// Encodes without padding: 4 characters per 3 bytes, 2 or 3 for a 1- or 2-byte tail.
void EncodeRaw(std::span<const uint8_t> data, std::string& out) {
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
}

}  // namespace

std::string Base64RawEncode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  EncodeRaw(data, out);
  return out;
}

void Base64PaddedEncode(std::span<const uint8_t> data, std::string& out) {
  EncodeRaw(data, out);
  while (out.size() % 4 != 0) out.push_back('=');
}

std::optional<size_t> Base64RawDecode(std::string_view text, std::span<uint8_t> out) {
  // A lone character in the last group carries only 6 bits: never a valid encoding.
  if (text.size() % 4 == 1) return std::nullopt;
  if (out.size() < Base64MaxDecodedSize(text.size())) return std::nullopt;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = kReverse[static_cast<uint8_t>(c)];
    if (v < 0) return std::nullopt;  // includes '=', CR, LF and spaces
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  // Canonical encodings leave their unused low bits zero (RFC 4648 section 3.5).
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return o;
}

std::optional<size_t> Base64PaddedDecode(std::string_view text, std::span<uint8_t> out) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  // What precedes the padding must be padding-free; the raw decoder rejects any other '='.
  return Base64RawDecode(text.substr(0, text.size() - pad), out);
}

}  // namespace vsecm::age::internal
