#include "vsecm/k8s/object_name.hpp"

#include <openssl/evp.h>

#include <array>

#include <fmt/format.h>

namespace vsecm::k8s {
namespace {

constexpr std::string_view kPunctuation = "._:@+=,-";  // escaped as -0 .. -7
constexpr std::string_view kLongFormMarker = "-9";
constexpr size_t kLongFormHashHex = 32;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string Sha256Hex(std::string_view text, size_t hex_digits) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len && out.size() < hex_digits; ++i) {
    out += fmt::format("{:02x}", md[i]);
  }
  return out.substr(0, hex_digits);
}

}  // namespace

bool IsDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > kMaxObjectName) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : dot - start);
    // Labels of a subdomain follow the label rule, without the 63 limit on the whole name.
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Status CheckRecordName(std::string_view name) {
  if (name.empty() || name.size() > 250) {
    return InvalidArgument(fmt::format("a secret name is 1 to 250 bytes, not {}", name.size()));
  }
  if (name.front() == '.') return InvalidArgument("a secret name must not start with '.'");
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') ||
                    kPunctuation.find(c) != std::string_view::npos;
    if (!ok) {
      return InvalidArgument(fmt::format(
          "a secret name may hold only [A-Za-z0-9._:@+=,-]; byte {} is 0x{:02x}", i,
          static_cast<unsigned char>(c)));
    }
  }
  return Status::Ok();
}

Status CheckObjectNamePrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64 || !IsLowerAlnum(prefix.front())) {
    return InvalidArgument(fmt::format(
        "secret_prefix {:?}: must start with [a-z0-9] and be 1 to 64 characters",
        std::string(prefix.substr(0, 80))));
  }
  for (char c : prefix) {
    if (!IsLowerAlnum(c) && c != '-') {
      return InvalidArgument(fmt::format("secret_prefix {:?}: only [a-z0-9-] are allowed",
                                         std::string(prefix)));
    }
  }
  return Status::Ok();
}

std::string EncodeRecordName(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  for (char c : name) {
    if (IsLowerAlnum(c)) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += '-';
      out += static_cast<char>('0' + kPunctuation.find(c));
    }
  }
  if (out.size() <= kMaxObjectName) return out;
  const size_t keep = kMaxObjectName - kLongFormMarker.size() - kLongFormHashHex;
  out.resize(keep);
  out += kLongFormMarker;
  out += Sha256Hex(name, kLongFormHashHex);
  return out;
}

std::optional<std::string> DecodeRecordName(std::string_view prefix,
                                            std::string_view object_name) {
  if (object_name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = object_name.substr(prefix.size());
  std::string name;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (IsLowerAlnum(c)) {
      name += c;
      continue;
    }
    if (c != '-' || i + 1 == rest.size()) return std::nullopt;
    const char e = rest[++i];
    if (e >= 'a' && e <= 'z') {
      name += static_cast<char>(e - 'a' + 'A');
    } else if (e >= '0' && e < static_cast<char>('0' + kPunctuation.size())) {
      name += kPunctuation[static_cast<size_t>(e - '0')];
    } else {
      return std::nullopt;
    }
  }
  if (!CheckRecordName(name).ok()) return std::nullopt;
  return name;
}

}  // namespace vsecm::k8s
