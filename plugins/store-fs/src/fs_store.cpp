// vsecm-store-fs operations: put, get, remove, list. See fs_store.hpp for the write protocol
// and vsecm/store_fs/layout.hpp for the files.
#include "fs_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <vector>

#include "vsecm/store_fs/layout.hpp"

namespace vsecm::store_fs {

std::string FsStore::NewTempName() const {
  uint8_t random[8];
  host().Random(random);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(kTempPrefix);
  for (uint8_t b : random) {
    name.push_back(kHex[b >> 4]);
    name.push_back(kHex[b & 15]);
  }
  return name;
}

std::string FsStore::Shown(bool backup, const std::string& file) const {
  return backup ? path_ + "/" + kBackupDirName + "/" + file : path_ + "/" + file;
}

std::mutex& FsStore::StripeFor(std::string_view name) {
  return stripes_[std::hash<std::string_view>{}(name) % stripes_.size()];
}

Status FsStore::Put(std::string_view name, sdk::ByteView ciphertext) {
  VSECM_RETURN_IF_ERROR(CheckName(name));
  const FrameHeader header = MakeFrameHeader(ciphertext);
  const std::string temp = NewTempName();
  const std::string shown = Shown(false, temp);
  UniqueFd fd(::openat(data_dir_.get(), temp.c_str(),
                       O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return ErrnoStatus(errno, "create", shown);
  Status s = WriteAll(fd.get(), header, shown);
  if (s.ok()) s = WriteAll(fd.get(), ciphertext, shown);
  if (s.ok()) s = Fsync(fd.get(), shown);
  if (s.ok()) s = fd.Close(shown);
  if (s.ok()) s = Publish(name, temp);
  if (!s.ok()) {
    ::unlinkat(data_dir_.get(), temp.c_str(), 0);  // gone already when Publish renamed it
    return s;
  }
  return Status::Ok();
}

// Makes the fsynced temporary file the current copy of `name`, durably.
Status FsStore::Publish(std::string_view name, const std::string& temp_name) {
  const std::string file = SecretFileName(name);
  std::lock_guard lock(StripeFor(name));
  VSECM_RETURN_IF_ERROR(RotateBackups(name));
  if (::renameat(data_dir_.get(), temp_name.c_str(), data_dir_.get(), file.c_str()) != 0) {
    return ErrnoStatus(errno, "rename into place", Shown(false, file));
  }
  if (backup_count_ > 0) VSECM_RETURN_IF_ERROR(Fsync(backup_dir_.get(), path_ + "/backups"));
  return Fsync(data_dir_.get(), path_);
}

// backups/<name>.k -> .k+1 (the oldest falls off), then the current file becomes backup 1 by a
// hard link, so <name>.age never disappears.
Status FsStore::RotateBackups(std::string_view name) {
  if (backup_count_ == 0) return Status::Ok();
  const std::string current = SecretFileName(name);
  struct stat st {};
  if (::fstatat(data_dir_.get(), current.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Status::Ok();  // first version: nothing to keep
    return ErrnoStatus(errno, "stat", Shown(false, current));
  }
  for (int k = backup_count_ - 1; k >= 1; --k) {
    const std::string from = BackupFileName(name, k), to = BackupFileName(name, k + 1);
    if (::renameat(backup_dir_.get(), from.c_str(), backup_dir_.get(), to.c_str()) != 0 &&
        errno != ENOENT) {
      return ErrnoStatus(errno, "rotate backup", Shown(true, from));
    }
  }
  const std::string newest = BackupFileName(name, 1);
  VSECM_RETURN_IF_ERROR(UnlinkIfPresent(backup_dir_.get(), newest, Shown(true, newest)));
  if (::linkat(data_dir_.get(), current.c_str(), backup_dir_.get(), newest.c_str(), 0) != 0) {
    return ErrnoStatus(errno, "link backup", Shown(true, newest));
  }
  return Status::Ok();
}

// The newest copy whose frame checks out. Every unreadable copy is logged by file name; an
// older copy is served only with a warning.
Status FsStore::Get(std::string_view name, sdk::Sink& out) {
  VSECM_RETURN_IF_ERROR(CheckName(name));
  std::vector<std::string> problems;
  bool current_missing = false;
  for (int k = 0; k <= backup_count_; ++k) {
    const bool backup = k > 0;
    const std::string file = backup ? BackupFileName(name, k) : SecretFileName(name);
    const std::string shown = Shown(backup, file);
    auto bytes = ReadFileAt(backup ? backup_dir_.get() : data_dir_.get(), file, shown);
    if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
      current_missing |= !backup;
      continue;
    }
    Status problem = bytes.status();
    if (bytes.ok()) {
      auto payload = OpenFrame(*bytes);
      if (payload.ok()) {
        if (backup) {
          host().Log(sdk::LogLevel::kWarn,
                     "serving the older copy " + shown + " for \"" + std::string(name) + "\": " +
                         (current_missing ? "the current file is missing" : "newer copies are unreadable"));
        }
        out.Write(*payload);
        return Status::Ok();
      }
      problem = payload.status().WithContext(shown);
    }
    host().Log(sdk::LogLevel::kWarn, problem.message() + "; trying the previous copy");
    problems.push_back(problem.message());
  }
  if (problems.empty()) return NotFound("no record named \"" + std::string(name) + "\"");
  std::string all;
  for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
  return DataLoss("every copy of \"" + std::string(name) + "\" is unreadable: " + all);
}

// Backups first, made durable, then the current file: a crash in between must not bring back
// an older version as if it were current.
Status FsStore::Remove(std::string_view name) {
  VSECM_RETURN_IF_ERROR(CheckName(name));
  std::lock_guard lock(StripeFor(name));
  bool removed_backup = false;
  for (int k = backup_count_; k >= 1; --k) {
    const std::string file = BackupFileName(name, k);
    if (::unlinkat(backup_dir_.get(), file.c_str(), 0) == 0) {
      removed_backup = true;
    } else if (errno != ENOENT) {
      return ErrnoStatus(errno, "remove", Shown(true, file));
    }
  }
  if (removed_backup) VSECM_RETURN_IF_ERROR(Fsync(backup_dir_.get(), path_ + "/backups"));
  const std::string file = SecretFileName(name);
  if (::unlinkat(data_dir_.get(), file.c_str(), 0) != 0) {
    if (errno != ENOENT) return ErrnoStatus(errno, "remove", Shown(false, file));
    if (!removed_backup) return Status::Ok();
  }
  return Fsync(data_dir_.get(), path_);
}

// Every name with at least one copy, readable or not: one whose copies are all unreadable is
// listed so that get reports it (DATA_LOSS) instead of it vanishing silently.
Status FsStore::List(const std::function<Status(std::string_view)>& visit) {
  std::set<std::string> names;
  auto regular = [](unsigned char type) { return type == DT_REG || type == DT_UNKNOWN; };
  VSECM_RETURN_IF_ERROR(ForEachEntry(data_dir_.get(), path_, [&](const std::string& f, unsigned char t) {
    if (regular(t)) {
      if (auto name = NameOfSecretFile(f)) names.insert(std::move(*name));
    }
    return Status::Ok();
  }));
  const std::string backups = path_ + "/" + kBackupDirName;
  VSECM_RETURN_IF_ERROR(ForEachEntry(backup_dir_.get(), backups, [&](const std::string& f, unsigned char t) {
    auto parsed = NameOfBackupFile(f);
    if (regular(t) && parsed && parsed->second <= backup_count_) names.insert(parsed->first);
    return Status::Ok();
  }));
  for (const std::string& name : names) VSECM_RETURN_IF_ERROR(visit(name));
  return Status::Ok();
}

}  // namespace vsecm::store_fs
