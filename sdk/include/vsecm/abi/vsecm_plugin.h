/*
** vsecm_plugin.h — the stable C ABI between the VSecM Safe kernel and its plugins.
**
** This header is pure C11 and depends only on <stddef.h> and <stdint.h>, so a plugin can be
** written in C, C++, Rust or anything else that speaks the platform C ABI. Nothing but the types
** below crosses a shared-object boundary: no C++ types, no exceptions, no allocator hand-offs.
**
** VERSIONING
**   The plugin records the ABI it was built against in its descriptor. The kernel refuses a
**   plugin whose major version differs from its own, and a plugin built against a newer minor
**   version than the kernel's. Every struct starts with `struct_size` and only ever grows at its
**   end; a released field is never moved, resized or removed. A plugin that wants a host service
**   added in a later minor version checks VSECM_HAS_FIELD(host, vsecm_host_api, field) first.
**
** OWNERSHIP VOCABULARY
**   `_host`   — memory or context owned by the kernel; the plugin borrows it.
**   `instance`— the plugin's own state, created by `create` and released by `destroy`.
**   vsecm_bytes inputs are borrowed for the duration of one call only: copy what you keep.
**   Output never goes into plugin-allocated memory: the plugin writes into a vsecm_sink, whose
**   bytes the kernel owns (secure, locked memory where the data may be plain text).
**
** ERRORS
**   Every fallible call returns a vsecm_status and may write a message into a caller-owned
**   vsecm_error. Messages are UTF-8, truncated to fit, and never contain secret bytes.
**
** THREADING
**   A plugin that sets VSECM_PLUGIN_FLAG_THREAD_SAFE may be called from several threads at once
**   on the same instance. Otherwise the kernel serializes every call into that instance.
**   `create` and `destroy` are always called from one thread, never concurrently with any other
**   call into the same instance. Host services may be called from any thread.
**
** TRUST
**   A plugin runs inside the Safe with the Safe's privileges; loading one is trusting it. The
**   kernel protects the supply chain (file ownership checks, SHA-256 pins), not the process.
*/
#ifndef VSECM_ABI_VSECM_PLUGIN_H_
#define VSECM_ABI_VSECM_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSECM_ABI_VERSION_MAJOR 1
#define VSECM_ABI_VERSION_MINOR 0

/* The one symbol every plugin exports. Its signature is vsecm_plugin_entry_fn. */
#define VSECM_PLUGIN_ENTRY_SYMBOL "vsecm_plugin_entry_v1"

#if defined(_WIN32)
#define VSECM_PLUGIN_EXPORT __declspec(dllexport)
#else
#define VSECM_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* True when the struct `s`, as the other side compiled it, is large enough to hold `field`. */
#define VSECM_HAS_FIELD(ptr, type, field) \
  ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- status codes (values are frozen; the kernel maps unknown values to INTERNAL) ---------- */
typedef int32_t vsecm_status;
#define VSECM_OK 0
#define VSECM_INVALID_ARGUMENT 1    /* the caller's input is malformed */
#define VSECM_NOT_FOUND 2           /* no such record or key */
#define VSECM_ALREADY_EXISTS 3
#define VSECM_PERMISSION_DENIED 4
#define VSECM_FAILED_PRECONDITION 5 /* the instance is not in a state to do this (no key yet) */
#define VSECM_UNAVAILABLE 6         /* transient; the caller may retry */
#define VSECM_RESOURCE_EXHAUSTED 7  /* a size limit, or the host refused an allocation */
#define VSECM_INTEGRITY_FAILURE 8   /* authentication tag, MAC or checksum mismatch */
#define VSECM_DATA_LOSS 9           /* stored data is corrupt or truncated */
#define VSECM_UNIMPLEMENTED 10
#define VSECM_INTERNAL 11

/* ---- plugin kinds -------------------------------------------------------------------------- */
typedef int32_t vsecm_plugin_kind;
#define VSECM_KIND_CRYPTO 1    /* functions: vsecm_crypto_v1 (vsecm_crypto.h) */
#define VSECM_KIND_STORE 2     /* functions: vsecm_store_v1 (vsecm_store.h) */
#define VSECM_KIND_TRANSFORM 3 /* functions: vsecm_transform_v1 (vsecm_transform.h) */

/* ---- descriptor flags ---------------------------------------------------------------------- */
#define VSECM_PLUGIN_FLAG_THREAD_SAFE 0x1u /* calls on one instance may run concurrently */

/* ---- log levels ---------------------------------------------------------------------------- */
#define VSECM_LOG_DEBUG 0
#define VSECM_LOG_INFO 1
#define VSECM_LOG_WARN 2
#define VSECM_LOG_ERROR 3

/* A borrowed byte range. Valid only for the duration of the call it is passed to. */
typedef struct vsecm_bytes {
  const uint8_t* data;
  size_t len;
} vsecm_bytes;

/* A caller-owned message buffer. The callee writes at most cap-1 bytes plus a NUL and sets len
** to the number of bytes written (without the NUL). buf may be NULL when cap is 0. */
typedef struct vsecm_error {
  char* buf;
  uint32_t cap;
  uint32_t len;
} vsecm_error;

/* Kernel-owned output. `append` adds len bytes to the end of the output and returns where the
** plugin must write them, or NULL when the kernel refuses (size limit or out of memory): the
** plugin then returns VSECM_RESOURCE_EXHAUSTED. Each call may move the output, so a pointer from
** an earlier call must not be used after a later one. The kernel discards and wipes whatever
** was appended when the call that was given the sink does not return VSECM_OK. */
typedef struct vsecm_sink {
  uint32_t struct_size;
  void* ctx_host;
  uint8_t* (*append)(void* ctx_host, size_t len);
} vsecm_sink;

/* Types of configuration values a plugin declares. The kernel checks the operator's
** configuration against these before `create` and hands the plugin normalized text. */
typedef int32_t vsecm_config_type;
#define VSECM_CONFIG_STRING 1
#define VSECM_CONFIG_INTEGER 2 /* decimal, optional leading '-' */
#define VSECM_CONFIG_BOOLEAN 3 /* "true" or "false" */

/* One configuration key of a plugin, declared in its descriptor. */
typedef struct vsecm_config_field {
  const char* name;          /* [a-z0-9_]+, unique within the plugin */
  vsecm_config_type type;
  int32_t required;          /* non-zero: start-up fails when no value and no default exist */
  const char* default_value; /* normalized text, or NULL */
  const char* env;           /* an environment variable that overrides the key, or NULL */
  const char* help;          /* one line for operators */
} vsecm_config_field;

/* Services the kernel offers a plugin. OWNERSHIP: the kernel; the table and ctx_host stay valid
** until `destroy` returns. THREADING: every function may be called from any thread. */
typedef struct vsecm_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* ctx_host; /* pass back as the first argument of every function below */

  /* Writes one line to the kernel's log, attributed to this plugin. Never log secret bytes. */
  void (*log)(void* ctx_host, int32_t level, const char* msg, size_t len);

  /* Fills buf with len bytes from the kernel's cryptographic random number generator. */
  vsecm_status (*random_bytes)(void* ctx_host, uint8_t* buf, size_t len);

  /* Locked, never-dumped memory for key material the plugin keeps between calls. Returns NULL
  ** on failure. secure_free wipes the bytes before releasing them; pass the same len. */
  uint8_t* (*secure_alloc)(void* ctx_host, size_t len);
  void (*secure_free)(void* ctx_host, uint8_t* ptr, size_t len);

  /* The normalized text of one of the plugin's declared configuration keys. Sets *out to bytes
  ** owned by the kernel, valid until `destroy` returns. VSECM_NOT_FOUND when the key has no
  ** value (optional and unset). */
  vsecm_status (*config_get)(void* ctx_host, const char* key, vsecm_bytes* out);

  /* Milliseconds since the Unix epoch, from the kernel's clock. */
  uint64_t (*now_unix_ms)(void* ctx_host);

  void* reserved[8];
} vsecm_host_api;

/* What a plugin is. OWNERSHIP: the plugin; static, constant data that lives as long as the
** library is loaded. */
typedef struct vsecm_plugin_descriptor {
  uint32_t struct_size;  /* sizeof(vsecm_plugin_descriptor) as the plugin compiled it */
  uint16_t abi_major;    /* VSECM_ABI_VERSION_MAJOR at the plugin's build */
  uint16_t abi_minor;    /* VSECM_ABI_VERSION_MINOR at the plugin's build */
  vsecm_plugin_kind kind;
  uint32_t flags;        /* VSECM_PLUGIN_FLAG_* */
  const char* name;      /* equals the file's stem: "vsecm-store-fs" is vsecm-store-fs.so */
  const char* version;   /* the plugin's own version, semver */
  const char* description;
  const vsecm_config_field* config_fields;
  uint32_t config_field_count;

  /* Creates an instance. `host` stays valid until destroy(instance) returns. On failure the
  ** plugin releases whatever it allocated and leaves *out_instance untouched. */
  vsecm_status (*create)(const vsecm_host_api* host, void** out_instance, vsecm_error* err);
  /* Releases an instance. Never fails; must not call back into the host's log after return. */
  void (*destroy)(void* instance);

  /* The kind's function table: const vsecm_crypto_v1*, vsecm_store_v1* or vsecm_transform_v1*.
  ** The kernel casts it only after checking `kind`. */
  const void* functions;

  void* reserved[4];
} vsecm_plugin_descriptor;

/* The exported entry. Must have no side effects and return the same static descriptor on every
** call. */
typedef const vsecm_plugin_descriptor* (*vsecm_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VSECM_ABI_VSECM_PLUGIN_H_ */
