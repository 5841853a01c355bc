// Finds canary values in files and memory images: each canary raw, in base64 (standard and URL
// alphabets, at every byte alignment) and in hex (both cases), in one pass over the bytes.
#ifndef VSECM_TESTS_CANARY_CANARY_SCANNER_HPP_
#define VSECM_TESTS_CANARY_CANARY_SCANNER_HPP_

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace vsecm::testing {

// A fresh canary: a tag (for the report) and 28 random alphanumerics, so no product string and
// no other canary can match it by accident.
inline std::string NewCanary(std::string_view tag) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::mt19937_64 rng((uint64_t{rd()} << 32) ^ rd());
  std::string out = fmt::format("cnry-{}-", tag);
  for (int i = 0; i < 28; ++i) out += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return out;
}

inline std::string Base64(std::string_view in, bool url) {
  const char* table = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += table[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    if (i + 1 < in.size()) out += table[(v >> 6) & 63];
  }
  return out;
}

inline std::string Hex(std::string_view in, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (char c : in) {
    out += digits[uint8_t(c) >> 4];
    out += digits[uint8_t(c) & 15];
  }
  return out;
}

struct Needle {
  std::string bytes;
  size_t canary;         // index into the scanner's canaries
  std::string encoding;  // "raw", "base64+1", "hex", ...
};

// The base64 characters that depend only on the canary's bytes when it starts `align` bytes
// into a 3-byte group: the first group (shared with what precedes) and the last (shared with
// what follows, or padding) are dropped.
inline std::string Base64Core(std::string_view canary, size_t align, bool url) {
  std::string encoded = Base64(std::string(align, '\0') + std::string(canary), url);
  const size_t skip = align == 0 ? 0 : 4;
  const size_t keep = encoded.size() >= skip + 8 ? encoded.size() - skip - 4 : 0;
  return encoded.substr(skip, keep - keep % 4);
}

struct Hit {
  std::string where;  // file path, or a label
  size_t offset;
  size_t canary;
  std::string encoding;
};

class CanaryScanner {
 public:
  explicit CanaryScanner(std::vector<std::string> canaries) : canaries_(std::move(canaries)) {
    for (size_t c = 0; c < canaries_.size(); ++c) {
      const std::string& v = canaries_[c];
      Add(v, c, "raw");
      Add(Hex(v, false), c, "hex");
      Add(Hex(v, true), c, "HEX");
      for (size_t align = 0; align < 3; ++align) {
        Add(Base64Core(v, align, false), c, fmt::format("base64+{}", align));
        Add(Base64Core(v, align, true), c, fmt::format("base64url+{}", align));
      }
    }
  }

  const std::vector<std::string>& canaries() const { return canaries_; }
  size_t needle_count() const { return needles_.size(); }

  // Every occurrence of every needle in `data`. One pass: a 64 Ki-bit filter on the first four
  // bytes picks candidate positions, which are then compared in full.
  std::vector<Hit> Scan(std::string_view data, const std::string& where) const {
    std::vector<Hit> hits;
    if (data.size() < 4) return hits;
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    for (size_t i = 0; i + 4 <= data.size(); ++i) {
      uint32_t head;
      std::memcpy(&head, p + i, 4);
      if (!filter_[Slot(head)]) continue;
      for (const Needle& n : needles_) {
        if (n.bytes.size() <= data.size() - i &&
            std::memcmp(p + i, n.bytes.data(), n.bytes.size()) == 0) {
          hits.push_back({where, i, n.canary, n.encoding});
        }
      }
    }
    return hits;
  }

  // Maps the file read-only and scans it.
  std::vector<Hit> ScanFile(const std::string& path, uint64_t* bytes) const {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {{path, 0, SIZE_MAX, "unreadable"}};
    struct stat st {};
    ::fstat(fd, &st);
    *bytes = static_cast<uint64_t>(st.st_size);
    if (st.st_size == 0) {
      ::close(fd);
      return {};
    }
    void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return {{path, 0, SIZE_MAX, "unmappable"}};
    auto hits = Scan({static_cast<const char*>(map), static_cast<size_t>(st.st_size)}, path);
    ::munmap(map, static_cast<size_t>(st.st_size));
    return hits;
  }

  std::string Describe(const Hit& h) const {
    if (h.canary == SIZE_MAX) return fmt::format("{}: {}", h.where, h.encoding);
    return fmt::format("{} @ {:#x}: canary {} ({})", h.where, h.offset,
                       canaries_[h.canary].substr(0, canaries_[h.canary].find('-', 5)), h.encoding);
  }

 private:
  static size_t Slot(uint32_t head) { return (head * 2654435761u) >> 16; }

  void Add(std::string bytes, size_t canary, std::string encoding) {
    if (bytes.size() < 16) return;  // too short to mean anything
    for (const Needle& n : needles_) {
      if (n.bytes == bytes) return;  // base64url equals base64 when neither '+' nor '/' occurs
    }
    uint32_t head;
    std::memcpy(&head, bytes.data(), 4);
    filter_[Slot(head)] = true;
    needles_.push_back({std::move(bytes), canary, std::move(encoding)});
  }

  std::vector<std::string> canaries_;
  std::vector<Needle> needles_;
  std::bitset<65536> filter_;
};

// What a scan of some directory trees covered, and what it found.
struct TreeScan {
  size_t files = 0;
  uint64_t bytes = 0;
  std::vector<Hit> hits;
  std::vector<std::string> lines;  // "path  bytes" per file, for the report
};

// Scans every regular file under each root, except the paths in `excluded` (the workload's own
// output files, where plain text belongs).
inline TreeScan ScanTrees(const CanaryScanner& scanner, const std::vector<std::string>& roots,
                          const std::set<std::string>& excluded) {
  TreeScan scan;
  for (const std::string& root : roots) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file() || it->is_symlink()) continue;
      const std::string path = it->path().string();
      if (excluded.count(path)) continue;
      uint64_t bytes = 0;
      for (Hit& h : scanner.ScanFile(path, &bytes)) scan.hits.push_back(std::move(h));
      ++scan.files;
      scan.bytes += bytes;
      scan.lines.push_back(fmt::format("{:>10}  {}", bytes, path));
    }
  }
  std::sort(scan.lines.begin(), scan.lines.end(),
            [](const std::string& a, const std::string& b) { return a.substr(12) < b.substr(12); });
  return scan;
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_CANARY_CANARY_SCANNER_HPP_
