// What a store needs from the file system: the record name rules of the store ABI (the kernel
// checks them too; a store must not trust a third-party caller), a private directory and
// private files for the database, and durable renames.
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_STORE_FILES_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_STORE_FILES_HPP_

#include <string>
#include <string_view>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::store_sqlcipher {

// The NAME RULES of vsecm_store.h: 1 to 250 bytes of [A-Za-z0-9._:@+=,-], not "." or "..", not
// starting with '.'. The message names the offending byte's position, never echoes control bytes.
Status CheckRecordName(std::string_view name);

// Creates the directory `path` and any missing parents with mode 0700. An existing directory is
// left as it is (it may be shared, such as /var/lib), with a warning when group or others may
// enter it.
Status EnsureDirectory(const std::string& path, const sdk::Host& host);

// Creates the file `path` empty with mode 0600 when it does not exist (so that SQLite, which
// gives its -wal and -shm files the database file's mode, never creates anything wider), and
// tightens an existing file of this process's user to 0600. Refuses symbolic links.
Status EnsurePrivateFile(const std::string& path, const sdk::Host& host);

// Removes `path` if it exists; ENOENT is success.
Status RemoveIfPresent(const std::string& path);

// rename(2) followed by an fsync of the directory that holds both names.
Status DurableRename(const std::string& from, const std::string& to);

// The directory part of an absolute path ("/a/b/c.db" → "/a/b", "/c.db" → "/").
std::string DirectoryOf(const std::string& path);

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_STORE_FILES_HPP_
