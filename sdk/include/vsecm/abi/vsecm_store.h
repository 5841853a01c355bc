/*
** vsecm_store.h — the function table of a store plugin (kind VSECM_KIND_STORE).
**
** A store persists cipher text under a record name. It never receives plain text: the kernel
** encrypts every record before `put`. Names are UTF-8 text that the kernel has already checked
** (see the name rules below); a store may refuse names it cannot represent with
** VSECM_INVALID_ARGUMENT.
**
** DURABILITY: `put` and `remove` return VSECM_OK only once the change is durable (fsynced, or
** acknowledged by the remote service). The kernel acknowledges a client's write only after that.
** A failed `put` must leave the previously stored value readable.
**
** NAME RULES (checked by the kernel before any call): 1 to 250 bytes of [A-Za-z0-9._:@+=,-],
** not "." or "..", not starting with '.'.
*/
#ifndef VSECM_ABI_VSECM_STORE_H_
#define VSECM_ABI_VSECM_STORE_H_

#include "vsecm/abi/vsecm_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called once per stored name during `list`. Returning anything but VSECM_OK stops the listing,
** and `list` returns that status. The name bytes are borrowed for the call. */
typedef struct vsecm_name_visitor {
  uint32_t struct_size;
  void* ctx_host;
  vsecm_status (*visit)(void* ctx_host, vsecm_bytes name);
} vsecm_name_visitor;

typedef struct vsecm_store_v1 {
  uint32_t struct_size;

  /* Stores (or replaces) the cipher text of `name`, durably, before returning VSECM_OK. */
  vsecm_status (*put)(void* instance, vsecm_bytes name, vsecm_bytes ciphertext, vsecm_error* err);

  /* Appends the newest readable cipher text of `name` to out. VSECM_NOT_FOUND when absent;
  ** VSECM_DATA_LOSS when every stored copy is unreadable. */
  vsecm_status (*get)(void* instance, vsecm_bytes name, vsecm_sink out, vsecm_error* err);

  /* Removes `name` durably. Removing an absent name is VSECM_OK. */
  vsecm_status (*remove)(void* instance, vsecm_bytes name, vsecm_error* err);

  /* Visits every stored name once, in no particular order. */
  vsecm_status (*list)(void* instance, vsecm_name_visitor visitor, vsecm_error* err);

  /* Optional (may be NULL). A 32-byte key the kernel derives from the root key for this store
  ** alone (HKDF-SHA256, info "vsecm-store-key-v1:" + the plugin's name), for stores that also
  ** encrypt their own files, names and metadata included (SQLCipher). Called once the root key
  ** is known, before put/get/remove/list, and again if the root key is replaced. The bytes are
  ** borrowed: keep them in host->secure_alloc memory. Until it is called, such a store may
  ** answer every other call with VSECM_FAILED_PRECONDITION. */
  vsecm_status (*set_key)(void* instance, vsecm_bytes key, vsecm_error* err);

  void* reserved[4];
} vsecm_store_v1;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VSECM_ABI_VSECM_STORE_H_ */
