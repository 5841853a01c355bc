// The on-disk layout of vsecm-store-fs: file names under the data path and the frame that wraps
// every stored cipher text. Shared by the plugin and by tools and tests that read its files
// (see plugins/store-fs/README.md for the operator's view).
//
//   <path>/<name>.age            newest copy of the record `name` (VSecM's file name)
//   <path>/backups/<name>.<k>    older copies, k = 1 (newest) .. backup_count
//   <path>/.tmp-<16 hex>         a write in progress; stale ones are removed at start
//   <path>/.lock                 flock()ed by the live store: one store per data path
//
// Every file is a FRAME: a 56-byte header, then the cipher text exactly as the kernel gave it.
//   offset size
//        0    8  magic "vsecm-fs"
//        8    2  version, little-endian, 1
//       10    2  header size, little-endian, 56
//       12    4  flags, 0
//       16    8  payload length, little-endian
//       24   32  SHA-256 of the payload
// The frame is the store's own integrity check (a torn or bit-rotted file is detected without
// the root key), not cryptography: the payload is already authenticated cipher text.
#ifndef VSECM_STORE_FS_LAYOUT_HPP_
#define VSECM_STORE_FS_LAYOUT_HPP_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "vsecm/sdk/status.hpp"

namespace vsecm::store_fs {

inline constexpr std::string_view kSecretSuffix = ".age";
inline constexpr const char* kBackupDirName = "backups";
inline constexpr std::string_view kTempPrefix = ".tmp-";
inline constexpr const char* kLockFileName = ".lock";
inline constexpr int kMaxBackupCount = 100;

inline constexpr size_t kFrameHeaderSize = 56;
inline constexpr uint16_t kFrameVersion = 1;
inline constexpr std::string_view kFrameMagic = "vsecm-fs";

using FrameHeader = std::array<uint8_t, kFrameHeaderSize>;

// The kernel's record-name rules: 1-250 bytes of [A-Za-z0-9._:@+=,-], not starting with '.'.
// Anything else could name a path outside the data directory, so it is refused.
Status CheckName(std::string_view name);

std::string SecretFileName(std::string_view name);           // "<name>.age"
std::string BackupFileName(std::string_view name, int index);  // "<name>.<index>"

// The record name a directory entry stores, or nullopt for anything else (temp files, the lock,
// foreign files).
std::optional<std::string> NameOfSecretFile(std::string_view file_name);
std::optional<std::pair<std::string, int>> NameOfBackupFile(std::string_view file_name);
bool IsTempFileName(std::string_view file_name);

// The header for `payload`; the file is the header followed by the payload.
FrameHeader MakeFrameHeader(std::span<const uint8_t> payload);

// The payload of a whole file, or kDataLoss saying what is wrong (truncated, not a frame,
// checksum mismatch, ...). The result points into `file`.
StatusOr<std::span<const uint8_t>> OpenFrame(std::span<const uint8_t> file);

}  // namespace vsecm::store_fs

#endif  // VSECM_STORE_FS_LAYOUT_HPP_
