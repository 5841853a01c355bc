/*
** vsecm_crypto.h — the function table of a crypto plugin (kind VSECM_KIND_CRYPTO).
**
** A crypto plugin turns plain text into cipher text and back. It is the only kind of plugin that
** sees plain text, and only for the duration of a call: it must not keep plain text, and it
** writes decrypted output into the kernel-owned sink, which is locked, never-dumped memory.
** Key material it keeps between calls belongs in host->secure_alloc memory.
*/
#ifndef VSECM_ABI_VSECM_CRYPTO_H_
#define VSECM_ABI_VSECM_CRYPTO_H_

#include "vsecm/abi/vsecm_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vsecm_crypto_v1 {
  uint32_t struct_size;

  /* A short, stable name of the algorithm ("age", "aes-256-gcm"), reported to operators
  ** (GET /sentinel/v1/secrets?reveal=true) and written into audit events. Static data. */
  const char* algorithm;

  /* Installs the key material the kernel derived from the root key for this algorithm (the age
  ** identity line and recipient line for age; the AES keys for AES). The format is documented
  ** by each plugin. The bytes are borrowed: copy them into host->secure_alloc memory. May be
  ** called again to replace the keys; until the first successful call, encrypt and decrypt
  ** return VSECM_FAILED_PRECONDITION. */
  vsecm_status (*set_keys)(void* instance, vsecm_bytes key_material, vsecm_error* err);

  /* Encrypts plaintext and appends the complete cipher text to out. */
  vsecm_status (*encrypt)(void* instance, vsecm_bytes plaintext, vsecm_sink out,
                          vsecm_error* err);

  /* Decrypts ciphertext and appends the plain text to out. Any malformed, truncated, extended
  ** or tampered input is an error (VSECM_INVALID_ARGUMENT, VSECM_INTEGRITY_FAILURE or
  ** VSECM_DATA_LOSS), and the kernel then wipes whatever was appended: no partial plain text is
  ** ever used. */
  vsecm_status (*decrypt)(void* instance, vsecm_bytes ciphertext, vsecm_sink out,
                          vsecm_error* err);

  void* reserved[4];
} vsecm_crypto_v1;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VSECM_ABI_VSECM_CRYPTO_H_ */
