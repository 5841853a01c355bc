// Strict armor, line for line what filippo.io/age/armor accepts.
#include "vsecm/age/internal/armor.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/header.hpp"

namespace vsecm::age::internal {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool AllSpace(std::string_view s) {
  for (char c : s) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

// Lines end with LF; a CR before the LF is dropped. The last line may lack its LF.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}

  // The next line, or nothing at the end of the input.
  std::optional<std::string_view> Next() {
    if (pos_ >= text_.size()) return std::nullopt;
    size_t lf = text_.find('\n', pos_);
    std::string_view line = text_.substr(pos_, lf == std::string_view::npos ? lf : lf - pos_);
    pos_ = lf == std::string_view::npos ? text_.size() : lf + 1;
    raw_len_ = line.size() + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  }
  size_t raw_len() const { return raw_len_; }
  std::string_view Rest() const { return text_.substr(pos_); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t raw_len_ = 0;
};

Status Bad(const std::string& what) { return InvalidArgument("invalid age armor: " + what); }

Status CheckTrailing(const Lines& lines) {
  std::string_view rest = lines.Rest();
  if (!AllSpace(rest)) return Bad("data after the end line");
  if (rest.size() >= kArmorMaxWhitespace) return Bad("too much trailing whitespace");
  return Status::Ok();
}

}  // namespace

bool LooksArmored(std::span<const uint8_t> data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()),
                        std::min(data.size(), kArmorMaxWhitespace + kArmorBegin.size()));
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  return text.substr(i).starts_with(kArmorBegin);
}

std::string ArmorEncode(std::span<const uint8_t> binary) {
  std::string b64;
  b64.reserve((binary.size() + 2) / 3 * 4);
  Base64PaddedEncode(binary, b64);
  std::string out;
  out.reserve(b64.size() + b64.size() / kColumnsPerLine + 80);
  out += kArmorBegin;
  out += '\n';
  for (size_t i = 0; i < b64.size(); i += kColumnsPerLine) {
    out.append(b64, i, kColumnsPerLine);
    out += '\n';
  }
  out += kArmorEnd;
  out += '\n';
  return out;
}

Status ArmorDecode(std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  out.clear();
  Lines lines(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  size_t skipped = 0;
  while (true) {
    std::optional<std::string_view> line = lines.Next();
    if (!line) return Bad("no begin line");
    if (AllSpace(*line)) {
      skipped += lines.raw_len();
      if (skipped > kArmorMaxWhitespace) return Bad("too much leading whitespace");
      continue;
    }
    if (*line != kArmorBegin) return Bad("the first line is not the begin line");
    break;
  }
  out.reserve(data.size() / 4 * 3);
  for (int line_no = 2;; ++line_no) {
    std::optional<std::string_view> line = lines.Next();
    if (!line) return Bad("no end line");
    if (*line == kArmorEnd) return CheckTrailing(lines);
    auto where = [line_no] { return "line " + std::to_string(line_no); };
    if (line->empty()) return Bad(where() + " is empty");
    if (line->size() > kColumnsPerLine) return Bad(where() + " exceeds 64 columns");
    std::array<uint8_t, Base64MaxDecodedSize(kColumnsPerLine)> buf;
    std::optional<size_t> n = Base64PaddedDecode(*line, buf);
    if (!n) return Bad(where() + " is not canonical base64");
    out.insert(out.end(), buf.begin(), buf.begin() + *n);
    if (*n < kBytesPerLine) {
      // Only the last data line is short, and the end line follows it.
      std::optional<std::string_view> end = lines.Next();
      if (!end || *end != kArmorEnd) return Bad("a short line is not followed by the end line");
      return CheckTrailing(lines);
    }
  }
}

}  // namespace vsecm::age::internal
