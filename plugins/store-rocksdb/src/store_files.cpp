#include "vsecm/sdk/record_name.hpp"
#include "store_files.hpp"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace vsecm::store_rocksdb {
namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

Status CheckRecordName(std::string_view name) { return sdk::CheckRecordName(name); }

Status EnsurePrivateDirectory(const std::string& path, const sdk::Host& host) {
  if (path.empty() || path.front() != '/' || path.find_first_not_of('/') == std::string::npos) {
    return InvalidArgument("the database path must be an absolute directory below /, not '" +
                           path + "'");
  }
  // Parents first, each created 0700 when missing; existing parents are left as they are.
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
  if ((st.st_mode & 077) == 0) return Status::Ok();
  if (st.st_uid != ::geteuid()) {
    return FailedPrecondition("directory " + path + " has mode " + Octal(st.st_mode) +
                              " and belongs to another user; it must be 0700");
  }
  if (::chmod(path.c_str(), 0700) != 0) {
    return FailedPrecondition("cannot change directory " + path +
                              " to mode 0700: " + ErrnoText(errno));
  }
  host.Log(sdk::LogLevel::kWarn,
           "directory " + path + " had mode " + Octal(st.st_mode) + "; changed it to 0700");
  return Status::Ok();
}

}  // namespace vsecm::store_rocksdb
