// Start-up of vsecm-store-fs: configuration, the data directory's safety checks, the lock that
// keeps a second process out, and removal of what an interrupted process left behind.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "fs_store.hpp"
#include "vsecm/store_fs/layout.hpp"

namespace vsecm::store_fs {
namespace {

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// mkdir -p with 0700 for every directory it creates.
Status MakeDirectories(const std::string& path) {
  for (size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/') continue;
    const std::string prefix = path.substr(0, at);
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      ::chmod(prefix.c_str(), 0700);  // whatever the umask
    } else if (errno != EEXIST) {
      return ErrnoStatus(errno, "path: create directory", prefix);
    }
  }
  return Status::Ok();
}

}  // namespace

FsStore::FsStore(sdk::Host host) : StorePlugin(host) {
  path_ = host.ConfigString("path", "/var/local/vsecm/data");
  const std::string count = host.ConfigString("backup_count", "3");
  int parsed = -1;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), parsed);
  if (ec != std::errc() || end != count.data() + count.size() || parsed < 0 ||
      parsed > kMaxBackupCount) {
    throw StatusError(InvalidArgument("backup_count: must be an integer from 0 to " +
                                      std::to_string(kMaxBackupCount) + ", got \"" + count +
                                      "\""));
  }
  backup_count_ = parsed;
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  if (path_.empty() || path_.front() != '/') {
    throw StatusError(InvalidArgument("path: must be an absolute directory path, got \"" +
                                      path_ + "\""));
  }
  Status s = OpenDataPath();
  if (s.ok()) s = TakeLock();
  if (s.ok()) s = RemoveLeftovers();
  if (!s.ok()) throw StatusError(s);
  this->host().Log(sdk::LogLevel::kInfo, "data path " + path_ + ", backup_count " +
                                             std::to_string(backup_count_));
}

Status FsStore::OpenDataPath() {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus(errno, "path: stat", path_);
    VSECM_RETURN_IF_ERROR(MakeDirectories(path_));
    host().Log(sdk::LogLevel::kInfo, "created data path " + path_ + " (mode 0700)");
  } else if (S_ISLNK(st.st_mode)) {
    return FailedPrecondition("path: " + path_ +
                              " is a symbolic link; configure the directory it points to");
  } else if (!S_ISDIR(st.st_mode)) {
    return FailedPrecondition("path: " + path_ + " exists and is not a directory");
  }
  VSECM_ASSIGN_OR_RETURN(data_dir_, OpenDirectory(AT_FDCWD, path_, "path: " + path_));
  VSECM_RETURN_IF_ERROR(CheckDirectory(data_dir_.get(), path_));

  const std::string backups = path_ + "/" + kBackupDirName;
  if (::mkdirat(data_dir_.get(), kBackupDirName, 0700) == 0) {
    ::fchmodat(data_dir_.get(), kBackupDirName, 0700, 0);
  } else if (errno != EEXIST) {
    return ErrnoStatus(errno, "path: create directory", backups);
  }
  VSECM_ASSIGN_OR_RETURN(backup_dir_, OpenDirectory(data_dir_.get(), kBackupDirName,
                                                    "path: " + backups));
  return CheckDirectory(backup_dir_.get(), backups);
}

// Anyone else who can write here could swap a record for an older one of their choosing.
Status FsStore::CheckDirectory(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "path: stat", shown);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return FailedPrecondition("path: " + shown + " is writable by group or others (mode " +
                              Octal(st.st_mode) + "); run chmod 700 on it");
  }
  if (st.st_uid != ::geteuid()) {
    return FailedPrecondition("path: " + shown + " is owned by uid " + std::to_string(st.st_uid) +
                              ", not by this process (uid " + std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 077) != 0) {
    host().Log(sdk::LogLevel::kWarn, shown + " is readable by others (mode " + Octal(st.st_mode) +
                                         "); 0700 is recommended");
  }
  return Status::Ok();
}

Status FsStore::TakeLock() {
  const std::string shown = path_ + "/" + kLockFileName;
  lock_file_ = UniqueFd(::openat(data_dir_.get(), kLockFileName,
                                 O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock_file_.valid()) return ErrnoStatus(errno, "path: open lock", shown);
  if (::flock(lock_file_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Unavailable("path: " + path_ + " is in use by another store (the lock " + shown +
                         " is held); two Safes must not share a data path");
    }
    return ErrnoStatus(errno, "path: lock", shown);
  }
  return Status::Ok();
}

// Temporary files of puts that never returned, and backups beyond a lowered backup_count.
Status FsStore::RemoveLeftovers() {
  int temps = 0, extra_backups = 0;
  VSECM_RETURN_IF_ERROR(ForEachEntry(data_dir_.get(), path_, [&](const std::string& f, unsigned char) {
    if (!IsTempFileName(f)) return Status::Ok();
    VSECM_RETURN_IF_ERROR(UnlinkIfPresent(data_dir_.get(), f, path_ + "/" + f));
    ++temps;
    return Status::Ok();
  }));
  const std::string backups = path_ + "/" + kBackupDirName;
  VSECM_RETURN_IF_ERROR(ForEachEntry(backup_dir_.get(), backups, [&](const std::string& f, unsigned char) {
    auto parsed = NameOfBackupFile(f);
    if (IsTempFileName(f) || (parsed && parsed->second > backup_count_)) {
      VSECM_RETURN_IF_ERROR(UnlinkIfPresent(backup_dir_.get(), f, backups + "/" + f));
      ++extra_backups;
    }
    return Status::Ok();
  }));
  if (temps > 0) {
    host().Log(sdk::LogLevel::kWarn, "removed " + std::to_string(temps) +
                                         " unfinished write(s) left in " + path_ +
                                         " by an interrupted process; they were never acknowledged");
    VSECM_RETURN_IF_ERROR(Fsync(data_dir_.get(), path_));
  }
  if (extra_backups > 0) {
    host().Log(sdk::LogLevel::kInfo, "removed " + std::to_string(extra_backups) +
                                         " backup(s) beyond backup_count " +
                                         std::to_string(backup_count_) + " from " + backups);
    VSECM_RETURN_IF_ERROR(Fsync(backup_dir_.get(), backups));
  }
  return Status::Ok();
}

}  // namespace vsecm::store_fs
