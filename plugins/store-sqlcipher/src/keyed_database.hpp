// Opening the SQLCipher database with the store key, and replacing that key.
//
// The key is the 32-byte HKDF output the kernel hands set_key. It is given to SQLCipher as a raw
// key (the x'<hex>' form of sqlite3_key, built in host secure memory), so no PBKDF2 runs: the key
// is already uniformly random. Cipher settings (SQLCipher 3 defaults: AES-256-CBC, a random IV
// and an HMAC-SHA1 per page; 4096-byte pages) are part of the file format and fixed here.
//
// Every connection runs in WAL mode with synchronous=FULL (a commit returns after the WAL is
// fsynced) and locking_mode=EXCLUSIVE: the database stays locked while the store is open, so a
// second Safe on the same file fails at once with a clear error instead of sharing it, and the
// WAL index lives in heap memory (no -shm file).
//
// Replacing the key re-encrypts into a new file and renames it into place; a crash at any point
// leaves either the old file (old key) or a complete new one (new key), and the next open with
// the new key finishes an interrupted rename (see ReplaceKey).
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_KEYED_DATABASE_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_KEYED_DATABASE_HPP_

#include <memory>
#include <string>

#include "sqlite_db.hpp"
#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::store_sqlcipher {

inline constexpr size_t kStoreKeyBytes = 32;

// Opens (creating when missing, mode 0600) `path` under `key`. PERMISSION_DENIED when the key
// does not open the file; FAILED_PRECONDITION when another process or instance holds it.
StatusOr<std::unique_ptr<Connection>> OpenKeyed(const std::string& path, sdk::ByteView key,
                                                const sdk::Host& host);

// Re-encrypts the open database under `new_key`:
//   1. export every table into <path>.rekey-partial under the new key, and check it opens;
//   2. rename it to <path>.rekey (a complete copy, durable);
//   3. close the old connection, remove its -wal/-shm, rename <path>.rekey over <path>;
//   4. open <path> under the new key.
// On failure in 1-2 `connection` is still the old, working one; after that it is null, and
// the next OpenKeyed with the new key completes step 3.
Status ReplaceKey(std::unique_ptr<Connection>& connection, sdk::ByteView new_key,
                  const sdk::Host& host);

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_KEYED_DATABASE_HPP_
