#include "vsecm/kernel/timestamp.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vsecm::kernel {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;

constexpr std::chrono::year_month_day kFirstDay{std::chrono::year{0}, std::chrono::January,
                                                std::chrono::day{1}};
constexpr std::chrono::year_month_day kLastDay{std::chrono::year{9999}, std::chrono::December,
                                               std::chrono::day{31}};
const Timestamp kMin{std::chrono::sys_days{kFirstDay}};
const Timestamp kMax{std::chrono::sys_days{kLastDay} + days{1} - milliseconds{1}};

// Reads exactly `n` decimal digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool At(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

Status Bad(std::string_view what) {
  return InvalidArgument(fmt::format("not an RFC 3339 timestamp: {}", what));
}

}  // namespace

std::string FormatRfc3339(Timestamp t) {
  t = std::clamp(t, kMin, kMax);
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<milliseconds> hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

StatusOr<Timestamp> ParseRfc3339(std::string_view s) {
  int year = 0, month = 0, mday = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, &year) || !At(s, 4, '-') || !Digits(s, 5, 2, &month) || !At(s, 7, '-') ||
      !Digits(s, 8, 2, &mday)) {
    return Bad("expected a date YYYY-MM-DD");
  }
  if (!At(s, 10, 'T') && !At(s, 10, 't')) return Bad("expected 'T' after the date");
  if (!Digits(s, 11, 2, &hour) || !At(s, 13, ':') || !Digits(s, 14, 2, &minute) ||
      !At(s, 16, ':') || !Digits(s, 17, 2, &second)) {
    return Bad("expected a time hh:mm:ss");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(mday)}};
  if (!ymd.ok()) return Bad("no such date");
  if (hour > 23 || minute > 59 || second > 59) return Bad("hour, minute or second out of range");

  size_t pos = 19;
  int64_t millis = 0;
  if (At(s, pos, '.')) {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return Bad("a fraction of a second has 1 to 9 digits");
    for (size_t d = digits; d < 3; ++d) millis *= 10;
  }

  int offset_minutes = 0;
  if (At(s, pos, 'Z') || At(s, pos, 'z')) {
    ++pos;
  } else if (At(s, pos, '+') || At(s, pos, '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, &oh) || !At(s, pos + 3, ':') || !Digits(s, pos + 4, 2, &om)) {
      return Bad("expected a zone offset +hh:mm or -hh:mm");
    }
    if (oh > 23 || om > 59) return Bad("zone offset out of range");
    offset_minutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return Bad("expected 'Z' or a zone offset");
  }
  if (pos != s.size()) return Bad("unexpected characters after the zone");

  const Timestamp local = std::chrono::sys_days{ymd} + std::chrono::hours{hour} +
                          std::chrono::minutes{minute} + std::chrono::seconds{second} +
                          milliseconds{millis};
  const Timestamp utc = local - std::chrono::minutes{offset_minutes};
  if (utc < kMin || utc > kMax) return Bad("instant outside years 0000-9999 UTC");
  return utc;
}

}  // namespace vsecm::kernel
