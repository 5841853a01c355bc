// Proof that the sqlite3_* functions this plugin calls are SQLCipher's. A plain libsqlite3
// loaded globally into the process before the plugin would take precedence over the plugin's
// own libsqlcipher for every symbol the two share, and the database would be written without
// encryption; sqlite3_key_v2 exists only in SQLCipher, so both must come from one object.
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_LIBRARY_CHECK_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_LIBRARY_CHECK_HPP_

#include "vsecm/sdk/status.hpp"

namespace vsecm::store_sqlcipher {

// FAILED_PRECONDITION naming the library that took SQLCipher's place, when one did.
Status CheckSqlCipherIsBound();

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_LIBRARY_CHECK_HPP_
