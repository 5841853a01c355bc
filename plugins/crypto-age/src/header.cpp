// Header parsing mirrors filippo.io/age/internal/format.Parse line by line, so that exactly the
// headers age accepts are accepted. The MAC is computed over the raw header bytes; since every
// accepted header is canonical, they equal age's re-serialization.
#include "vsecm/age/internal/header.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>

#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/primitives.hpp"

namespace vsecm::age::internal {
namespace {

constexpr std::string_view kStanzaPrefix = "->";
constexpr std::string_view kFooterPrefix = "---";

// A cursor over the header's lines. Next() returns the line without its LF, or nothing when
// the input ends before an LF (a truncated header).
class LineReader {
 public:
  explicit LineReader(std::span<const uint8_t> data)
      : text_(reinterpret_cast<const char*>(data.data()), data.size()) {}

  bool Next(std::string_view& line) {
    size_t lf = text_.find('\n', pos_);
    if (lf == std::string_view::npos) return false;
    line = text_.substr(pos_, lf - pos_);
    pos_ = lf + 1;
    return true;
  }
  std::string_view Rest() const { return text_.substr(pos_); }
  size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    parts.push_back(line.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return parts;
}

bool IsValidArgument(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 33 || c > 126) return false;
  }
  return true;
}

Status Truncated() { return DataLoss("the age header is truncated"); }

StatusOr<Stanza> ParseStanza(std::string_view opening, LineReader& lines, int index) {
  const std::string where = "age header stanza " + std::to_string(index);
  std::vector<std::string_view> parts = SplitSpaces(opening);
  if (parts[0] != kStanzaPrefix || parts.size() < 2) {
    return InvalidArgument(where + ": malformed opening line");
  }
  Stanza stanza;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!IsValidArgument(parts[i])) return InvalidArgument(where + ": malformed argument");
    if (i == 1) {
      stanza.type = std::string(parts[i]);
    } else {
      stanza.args.emplace_back(parts[i]);
    }
  }
  for (int line_no = 1;; ++line_no) {
    std::string_view line;
    if (!lines.Next(line)) return Truncated();
    if (line.size() > kColumnsPerLine) {
      return InvalidArgument(where + ": body line " + std::to_string(line_no) + " is too long");
    }
    std::array<uint8_t, Base64MaxDecodedSize(kColumnsPerLine)> buf;
    std::optional<size_t> n = Base64RawDecode(line, buf);
    if (!n) {
      if (line.starts_with(kFooterPrefix) || line.starts_with(kStanzaPrefix)) {
        return InvalidArgument(where + ": stanza ended without a short body line");
      }
      return InvalidArgument(where + ": body line " + std::to_string(line_no) +
                             " is not canonical unpadded base64");
    }
    stanza.body.insert(stanza.body.end(), buf.begin(), buf.begin() + *n);
    if (*n < kBytesPerLine) return stanza;  // a body always ends with a short line
  }
}

}  // namespace

StatusOr<Header> ParseHeader(std::span<const uint8_t> file) {
  LineReader lines(file);
  std::string_view line;
  if (file.empty()) return InvalidArgument("the age file is empty");
  if (!lines.Next(line)) {
    return kIntro.starts_with(lines.Rest())
               ? Truncated()
               : InvalidArgument("not an age v1 file (bad intro line)");
  }
  if (line != kIntro.substr(0, kIntro.size() - 1)) {
    return InvalidArgument("not an age v1 file (bad intro line)");
  }
  Header header;
  while (true) {
    if (lines.Rest().size() < kFooterPrefix.size()) return Truncated();
    if (lines.Rest().starts_with(kFooterPrefix)) {
      const size_t footer_start = lines.pos();
      if (!lines.Next(line)) return Truncated();
      std::vector<std::string_view> parts = SplitSpaces(line);
      if (parts[0] != kFooterPrefix || parts.size() != 2) {
        return InvalidArgument("age header: malformed closing line");
      }
      std::array<uint8_t, 64> mac{};
      std::optional<size_t> n =
          parts[1].size() <= 60 ? Base64RawDecode(parts[1], mac) : std::nullopt;
      if (!n || *n != 32) return InvalidArgument("age header: malformed mac");
      std::copy(mac.begin(), mac.begin() + 32, header.mac.begin());
      header.mac_input_size = footer_start + kFooterPrefix.size();
      header.size = lines.pos();
      break;
    }
    std::string_view opening;
    if (!lines.Next(opening)) return Truncated();
    if (!opening.starts_with(kStanzaPrefix)) {
      return InvalidArgument("age header: malformed stanza opening line");
    }
    VSECM_ASSIGN_OR_RETURN(Stanza stanza,
                           ParseStanza(opening, lines, static_cast<int>(header.stanzas.size())));
    header.stanzas.push_back(std::move(stanza));
  }
  if (header.stanzas.empty()) return InvalidArgument("age header has no recipient stanza");
  return header;
}

std::string SerializeHeaderWithoutMac(std::span<const Stanza> stanzas) {
  std::string out(kIntro);
  for (const Stanza& s : stanzas) {
    out += kStanzaPrefix;
    out += ' ';
    out += s.type;
    for (const std::string& a : s.args) {
      out += ' ';
      out += a;
    }
    out += '\n';
    std::string body = Base64RawEncode(s.body);
    // Full 64-column lines, then a final shorter (possibly empty) line.
    for (size_t i = 0; i + kColumnsPerLine <= body.size(); i += kColumnsPerLine) {
      out.append(body, i, kColumnsPerLine);
      out += '\n';
    }
    out.append(body, body.size() - body.size() % kColumnsPerLine);
    out += '\n';
  }
  out += kFooterPrefix;
  return out;
}

Status ComputeHeaderMac(std::span<const uint8_t, kFileKeySize> file_key,
                        std::span<const uint8_t> header_prefix, std::span<uint8_t, 32> mac_out) {
  std::array<uint8_t, 32> hmac_key;
  Status s = Hkdf(file_key, {}, "header", hmac_key);
  if (s.ok()) s = HmacSha256(hmac_key, header_prefix, mac_out);
  OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
  return s;
}

}  // namespace vsecm::age::internal
