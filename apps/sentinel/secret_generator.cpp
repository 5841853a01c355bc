#include "secret_generator.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <string>

#include <fmt/format.h>

namespace vsecm::sentinel {
namespace {

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kSymbols = "!@#$%^&*()-_+={}[]|<>,.?/";
// VSecM's order: ranges such as a-Z and z-0 are slices of it.
constexpr std::string_view kEverything =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_+={}[]|<>,.?/";

bool IsRangeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsBracketChar(char c) { return IsRangeChar(c) || c == '-' || c == '\\'; }

// Which of kEverything's characters the bracket's content allows (a set, so repeats do not
// weigh a character more).
StatusOr<std::array<bool, kEverything.size()>> Alphabet(std::string_view ranges, size_t index) {
  std::array<bool, kEverything.size()> allowed{};
  auto add = [&](std::string_view chars) {
    for (char c : chars) allowed[kEverything.find(c)] = true;
  };
  for (size_t i = 0; i < ranges.size();) {
    if (ranges[i] == '\\') {
      const char cls = i + 1 < ranges.size() ? ranges[i + 1] : '\0';
      if (cls == 'w') {
        add(kEverything);
      } else if (cls == 'd') {
        add(kDigits);
      } else if (cls == 'x') {
        add(kSymbols);
      } else {
        return InvalidArgument(fmt::format(
            "generator expression {}: unknown class (use \\w, \\d or \\x)", index));
      }
      i += 2;
    } else if (ranges[i] == '-') {
      return InvalidArgument(
          fmt::format("generator expression {}: a range needs a character on each side", index));
    } else if (i + 2 < ranges.size() && ranges[i + 1] == '-' && IsRangeChar(ranges[i + 2])) {
      const size_t from = kEverything.find(ranges[i]);
      const size_t to = kEverything.find(ranges[i + 2]);
      if (from > to) {
        return InvalidArgument(fmt::format("generator expression {}: a range runs backwards", index));
      }
      add(kEverything.substr(from, to - from + 1));
      i += 3;
    } else {
      add(ranges.substr(i, 1));
      i += 1;
    }
  }
  return allowed;
}

// A uniformly random index below n (n <= 256), by rejection sampling on random bytes.
StatusOr<size_t> RandomBelow(size_t n) {
  const unsigned limit = 256 - 256 % n;
  for (;;) {
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) return Internal("the random generator failed");
    if (byte < limit) return byte % n;
  }
}

}  // namespace

StatusOr<kernel::SecretBytes> GenerateSecret(std::string_view pattern) {
  kernel::SecretBuilder out;
  size_t expressions = 0;
  for (size_t i = 0; i < pattern.size();) {
    // An expression: '[' bracket chars ']' '{' digits '}'.
    size_t close = i + 1;
    while (pattern[i] == '[' && close < pattern.size() && IsBracketChar(pattern[close])) ++close;
    size_t digits_end = close + 2;
    while (digits_end < pattern.size() && pattern[digits_end] >= '0' && pattern[digits_end] <= '9') {
      ++digits_end;
    }
    const bool is_expression = pattern[i] == '[' && close > i + 1 && close < pattern.size() &&
                               pattern[close] == ']' && close + 1 < pattern.size() &&
                               pattern[close + 1] == '{' && digits_end > close + 2 &&
                               digits_end < pattern.size() && pattern[digits_end] == '}';
    if (!is_expression) {
      out.Append({reinterpret_cast<const uint8_t*>(pattern.data() + i), 1});
      ++i;
      continue;
    }
    ++expressions;
    std::string_view length_text = pattern.substr(close + 2, digits_end - close - 2);
    size_t length = 0;
    for (char c : length_text) {
      length = length * 10 + static_cast<size_t>(c - '0');
      if (length > kMaxGeneratedLength) break;
    }
    if (length == 0 || length > kMaxGeneratedLength) {
      return InvalidArgument(fmt::format("generator expression {}: the length must be 1 to {}",
                                         expressions, kMaxGeneratedLength));
    }
    VSECM_ASSIGN_OR_RETURN(auto allowed,
                           Alphabet(pattern.substr(i + 1, close - i - 1), expressions));
    std::string alphabet;
    for (size_t k = 0; k < kEverything.size(); ++k) {
      if (allowed[k]) alphabet += kEverything[k];
    }
    for (size_t n = 0; n < length; ++n) {
      VSECM_ASSIGN_OR_RETURN(size_t pick, RandomBelow(alphabet.size()));
      out.Append({reinterpret_cast<const uint8_t*>(&alphabet[pick]), 1});
    }
    i = digits_end + 1;
  }
  if (expressions == 0) {
    return InvalidArgument("the gen: pattern has no generator expression such as [a-z0-9]{8}");
  }
  return out.Take();
}

}  // namespace vsecm::sentinel
