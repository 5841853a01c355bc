// UTF-8 checks, constant-time base64 and the JSON writer of secure_json.hpp.
#include <algorithm>
#include <cstring>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::kernel {
namespace {

// Branch-free byte comparisons (after libsodium): each yields 0xFF when true and 0 when false,
// so base64 never indexes a table or branches on a secret byte.
constexpr unsigned Gt(unsigned x, unsigned y) { return ((y - x) >> 8) & 0xFF; }
constexpr unsigned Ge(unsigned x, unsigned y) { return Gt(y, x) ^ 0xFF; }
constexpr unsigned Lt(unsigned x, unsigned y) { return Gt(y, x); }
constexpr unsigned Le(unsigned x, unsigned y) { return Ge(y, x); }
constexpr unsigned Eq(unsigned x, unsigned y) { return (((0U - (x ^ y)) >> 8) & 0xFF) ^ 0xFF; }

constexpr uint8_t SextetToChar(unsigned x) {
  return static_cast<uint8_t>((Lt(x, 26) & (x + 'A')) | (Ge(x, 26) & Lt(x, 52) & (x + 'a' - 26)) |
                              (Ge(x, 52) & Lt(x, 62) & (x + '0' - 52)) | (Eq(x, 62) & '+') |
                              (Eq(x, 63) & '/'));
}

// 0–63, or 0xFF for a byte outside the alphabet.
constexpr unsigned CharToSextet(unsigned c) {
  const unsigned x = (Ge(c, 'A') & Le(c, 'Z') & (c - 'A')) |
                     (Ge(c, 'a') & Le(c, 'z') & (c - 'a' + 26)) |
                     (Ge(c, '0') & Le(c, '9') & (c - '0' + 52)) | (Eq(c, '+') & 62) |
                     (Eq(c, '/') & 63);
  return x | (Eq(x, 0) & (Eq(c, 'A') ^ 0xFF));
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

size_t Utf8SequenceLength(std::span<const uint8_t> s) noexcept {
  if (s.empty()) return 0;
  const uint8_t b0 = s[0];
  if (b0 < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte (RFC 3629 table)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return len;
}

bool IsValidUtf8(std::span<const uint8_t> s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s.subspan(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t Base64EncodedSize(size_t n) noexcept { return (n + 2) / 3 * 4; }

StatusOr<SecretBytes> DecodeBase64(std::span<const uint8_t> text) {
  if (text.size() % 4 != 0) return InvalidArgument("base64 length is not a multiple of 4");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  const size_t groups = text.size() / 4;
  SecretBytes out(groups * 3 - pad);
  uint8_t* dst = out.Mutable().data();
  unsigned invalid = 0;
  for (size_t g = 0; g < groups; ++g) {
    const uint8_t* in = text.data() + g * 4;
    const bool last = g + 1 == groups;
    // Padding characters in the last group count as zero sextets; anywhere else they are bad.
    const size_t real = last ? 4 - pad : 4;
    unsigned v[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < real; ++i) {
      v[i] = CharToSextet(in[i]);
      invalid |= v[i] >> 6;  // 0xFF >> 6 != 0; valid sextets are < 64
    }
    const uint32_t word = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    const size_t n = last ? 3 - pad : 3;
    if (n >= 1) dst[g * 3] = static_cast<uint8_t>(word >> 16);
    if (n >= 2) dst[g * 3 + 1] = static_cast<uint8_t>(word >> 8);
    if (n >= 3) dst[g * 3 + 2] = static_cast<uint8_t>(word);
    // Unused low bits of a padded group must be zero, so each byte string has one encoding.
    if (last && pad == 1) invalid |= v[2] & 0x03;
    if (last && pad == 2) invalid |= v[1] & 0x0F;
  }
  if (invalid != 0) return InvalidArgument("not canonical base64");  // `out` is wiped on return
  return out;
}

// ---- SecureJsonWriter

void SecureJsonWriter::Put(const uint8_t* bytes, size_t n) {
  if (out_.data() != nullptr) {
    if (n > out_.size() - std::min(pos_, out_.size())) {
      overflowed_ = true;
    } else if (n != 0) {
      std::memcpy(out_.data() + pos_, bytes, n);
    }
  }
  pos_ += n;
}

void SecureJsonWriter::Raw(std::string_view json) {
  Put(reinterpret_cast<const uint8_t*>(json.data()), json.size());
}

void SecureJsonWriter::String(std::string_view text) {
  String(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void SecureJsonWriter::String(std::span<const uint8_t> s) {
  static constexpr uint8_t kReplacement[] = {0xEF, 0xBF, 0xBD};
  Put('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go (values may be megabytes).
    size_t run = i;
    while (run < s.size() && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\') {
      ++run;
    }
    if (run > i) {
      Put(s.data() + i, run - i);
      i = run;
      continue;
    }
    const uint8_t c = s[i];
    if (c == '"' || c == '\\') {
      const uint8_t esc[2] = {'\\', c};
      Put(esc, 2);
      ++i;
    } else if (c < 0x20) {
      const uint8_t esc[6] = {'\\', 'u', '0', '0', static_cast<uint8_t>(kHex[c >> 4]),
                              static_cast<uint8_t>(kHex[c & 0xF])};
      Put(esc, 6);
      ++i;
    } else {
      const size_t n = Utf8SequenceLength(s.subspan(i));
      if (n == 0) {
        Put(kReplacement, sizeof(kReplacement));
        ++i;
      } else {
        Put(s.data() + i, n);
        i += n;
      }
    }
  }
  Put('"');
}

void SecureJsonWriter::Base64String(std::span<const uint8_t> s) {
  Put('"');
  uint8_t quad[4];
  for (size_t i = 0; i < s.size(); i += 3) {
    const size_t n = std::min<size_t>(3, s.size() - i);
    const uint32_t word = (uint32_t{s[i]} << 16) | (n > 1 ? uint32_t{s[i + 1]} << 8 : 0) |
                          (n > 2 ? uint32_t{s[i + 2]} : 0);
    quad[0] = SextetToChar((word >> 18) & 63);
    quad[1] = SextetToChar((word >> 12) & 63);
    quad[2] = n > 1 ? SextetToChar((word >> 6) & 63) : uint8_t{'='};
    quad[3] = n > 2 ? SextetToChar(word & 63) : uint8_t{'='};
    Put(quad, 4);
  }
  Wipe(quad, sizeof(quad));
  Put('"');
}

}  // namespace vsecm::kernel
