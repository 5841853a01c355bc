// Checks a store needs before it touches the file system: the record name rules of the store ABI
// (the kernel checks them too; a store must not trust a third-party caller) and a private
// directory for the database.
#ifndef VSECM_PLUGINS_STORE_ROCKSDB_STORE_FILES_HPP_
#define VSECM_PLUGINS_STORE_ROCKSDB_STORE_FILES_HPP_

#include <string>
#include <string_view>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::store_rocksdb {

// The NAME RULES of vsecm_store.h: 1 to 250 bytes of [A-Za-z0-9._:@+=,-], not "." or "..", not
// starting with '.'. The message names the offending byte's position, never echoes control bytes.
Status CheckRecordName(std::string_view name);

// Creates `path` and any missing parents with mode 0700. An existing directory that group or
// others may enter is tightened to 0700 (with a warning) when this process owns it, and refused
// otherwise.
Status EnsurePrivateDirectory(const std::string& path, const sdk::Host& host);

}  // namespace vsecm::store_rocksdb

#endif  // VSECM_PLUGINS_STORE_ROCKSDB_STORE_FILES_HPP_
