#include "vsecm/sdk/record_name.hpp"
#include "store_files.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace vsecm::store_sqlcipher {
namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

Status CheckRecordName(std::string_view name) { return sdk::CheckRecordName(name); }

Status EnsureDirectory(const std::string& path, const sdk::Host& host) {
  if (path.empty() || path.front() != '/') {
    return InvalidArgument("the database directory must be absolute, not '" + path + "'");
  }
  // Parents first, each created 0700 when missing; existing ones are left as they are.
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
      return FailedPrecondition("cannot create directory " + parent + ": " + ErrnoText(errno));
    }
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return FailedPrecondition("cannot create directory " + path + ": " + ErrnoText(errno));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return FailedPrecondition("cannot inspect directory " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(path + " exists and is not a directory");
  if ((st.st_mode & 077) != 0) {
    // It may be shared (/var/lib, a volume root): not ours to change. The files are 0600.
    host.Log(sdk::LogLevel::kWarn, "directory " + path + " has mode " + Octal(st.st_mode) +
                                       "; 0700 is recommended for the database's directory");
  }
  return Status::Ok();
}

Status EnsurePrivateFile(const std::string& path, const sdk::Host& host) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno != EEXIST) {
    return FailedPrecondition("cannot create " + path + ": " + ErrnoText(errno));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return FailedPrecondition("cannot inspect " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) return FailedPrecondition(path + " exists and is not a regular file");
  if ((st.st_mode & 077) == 0) return Status::Ok();
  if (st.st_uid != ::geteuid()) {
    return FailedPrecondition("file " + path + " has mode " + Octal(st.st_mode) +
                              " and belongs to another user; it must be 0600");
  }
  if (::chmod(path.c_str(), 0600) != 0) {
    return FailedPrecondition("cannot change " + path + " to mode 0600: " + ErrnoText(errno));
  }
  host.Log(sdk::LogLevel::kWarn,
           "file " + path + " had mode " + Octal(st.st_mode) + "; changed it to 0600");
  return Status::Ok();
}

Status RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  return FailedPrecondition("cannot remove " + path + ": " + ErrnoText(errno));
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

Status DurableRename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Unavailable("cannot rename " + from + " to " + to + ": " + ErrnoText(errno));
  }
  std::string dir = DirectoryOf(to);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open directory " + dir + ": " + ErrnoText(errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot fsync directory " + dir + ": " + ErrnoText(error));
  return Status::Ok();
}

}  // namespace vsecm::store_sqlcipher
