#include "vsecm/sdk/record_name.hpp"
#include "vsecm/store_fs/layout.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

namespace vsecm::store_fs {
namespace {

// Non-negative decimal without sign or leading zeros, as BackupFileName writes it.
std::optional<int> ParseIndex(std::string_view digits) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

void PutLe(uint8_t* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}
uint64_t GetLe(const uint8_t* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{in[i]} << (8 * i);
  return value;
}

std::array<uint8_t, 32> Sha256(std::span<const uint8_t> data) {
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != digest.size()) {
    throw StatusError(Internal("SHA-256 failed"));
  }
  return digest;
}

}  // namespace

Status CheckName(std::string_view name) { return sdk::CheckRecordName(name); }

std::string SecretFileName(std::string_view name) {
  return std::string(name) + std::string(kSecretSuffix);
}

std::string BackupFileName(std::string_view name, int index) {
  return std::string(name) + "." + std::to_string(index);
}

std::optional<std::string> NameOfSecretFile(std::string_view file_name) {
  if (file_name.size() <= kSecretSuffix.size() || !file_name.ends_with(kSecretSuffix)) {
    return std::nullopt;
  }
  std::string_view name = file_name.substr(0, file_name.size() - kSecretSuffix.size());
  if (!CheckName(name).ok()) return std::nullopt;
  return std::string(name);
}

std::optional<std::pair<std::string, int>> NameOfBackupFile(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::optional<int> index = ParseIndex(file_name.substr(dot + 1));
  std::string_view name = file_name.substr(0, dot);
  if (!index || *index < 1 || !CheckName(name).ok()) return std::nullopt;
  return std::make_pair(std::string(name), *index);
}

bool IsTempFileName(std::string_view file_name) { return file_name.starts_with(kTempPrefix); }

FrameHeader MakeFrameHeader(std::span<const uint8_t> payload) {
  FrameHeader h{};
  std::memcpy(h.data(), kFrameMagic.data(), kFrameMagic.size());
  PutLe(h.data() + 8, kFrameVersion, 2);
  PutLe(h.data() + 10, kFrameHeaderSize, 2);
  PutLe(h.data() + 12, 0, 4);
  PutLe(h.data() + 16, payload.size(), 8);
  const auto digest = Sha256(payload);
  std::memcpy(h.data() + 24, digest.data(), digest.size());
  return h;
}

StatusOr<std::span<const uint8_t>> OpenFrame(std::span<const uint8_t> file) {
  if (file.empty()) return DataLoss("the file is empty");
  if (file.size() < kFrameHeaderSize) {
    return DataLoss("the file is truncated: " + std::to_string(file.size()) +
                    " bytes, shorter than the frame header");
  }
  if (std::memcmp(file.data(), kFrameMagic.data(), kFrameMagic.size()) != 0) {
    return DataLoss("the file is not a vsecm-store-fs frame (bad magic)");
  }
  const uint64_t version = GetLe(file.data() + 8, 2);
  if (version != kFrameVersion || GetLe(file.data() + 10, 2) != kFrameHeaderSize) {
    return DataLoss("unsupported frame version " + std::to_string(version));
  }
  const uint64_t length = GetLe(file.data() + 16, 8);
  const uint64_t have = file.size() - kFrameHeaderSize;
  if (length > have) {
    return DataLoss("the file is truncated: the frame announces " + std::to_string(length) +
                    " bytes of cipher text, " + std::to_string(have) + " are present");
  }
  if (length < have) {
    return DataLoss("the file has " + std::to_string(have - length) +
                    " unexpected bytes after the frame");
  }
  std::span<const uint8_t> payload = file.subspan(kFrameHeaderSize);
  const auto digest = Sha256(payload);
  if (CRYPTO_memcmp(digest.data(), file.data() + 24, digest.size()) != 0) {
    return DataLoss("the file is corrupt: SHA-256 of the cipher text does not match the frame");
  }
  return payload;
}

}  // namespace vsecm::store_fs
