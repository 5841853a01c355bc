#include "library_check.hpp"

#include <dlfcn.h>

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <string>

namespace vsecm::store_sqlcipher {
namespace {

// The shared object that defines the function at `address`.
struct Origin {
  const void* base = nullptr;
  std::string file;
};

Origin OriginOf(const void* address) {
  Dl_info info{};
  if (::dladdr(address, &info) == 0) return {};
  return {info.dli_fbase, info.dli_fname != nullptr ? info.dli_fname : "?"};
}

}  // namespace

Status CheckSqlCipherIsBound() {
  const Origin key = OriginOf(reinterpret_cast<const void*>(&sqlite3_key_v2));
  if (key.base == nullptr) {
    return FailedPrecondition("cannot tell which library provides sqlite3_key_v2");
  }
  for (const auto& [name, address] :
       {std::pair{"sqlite3_open_v2", reinterpret_cast<const void*>(&sqlite3_open_v2)},
        std::pair{"sqlite3_exec", reinterpret_cast<const void*>(&sqlite3_exec)},
        std::pair{"sqlite3_step", reinterpret_cast<const void*>(&sqlite3_step)},
        std::pair{"sqlite3_prepare_v2", reinterpret_cast<const void*>(&sqlite3_prepare_v2)}}) {
    const Origin origin = OriginOf(address);
    if (origin.base != key.base) {
      return FailedPrecondition(std::string(name) + " resolves to " + origin.file +
                                ", not to SQLCipher (" + key.file +
                                "): a plain SQLite library was loaded into the process first; "
                                "refusing to write an unencrypted database");
    }
  }
  return Status::Ok();
}

}  // namespace vsecm::store_sqlcipher
