/*
** vsecm_transform.h — the function table of a transform plugin (kind VSECM_KIND_TRANSFORM).
**
** A transform renders the value a workload receives from the value an operator stored: first
** the template (Go text/template in VSecM), then the output format ("json", "yaml", "raw").
** It sees plain text in and writes plain text out into a kernel-owned sink; it must not keep
** either. It must bound its own work (output size, iterations, nesting) so that hostile input
** cannot exhaust the Safe.
*/
#ifndef VSECM_ABI_VSECM_TRANSFORM_H_
#define VSECM_ABI_VSECM_TRANSFORM_H_

#include "vsecm/abi/vsecm_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vsecm_transform_v1 {
  uint32_t struct_size;

  /* Renders `value` through `template_text` (may be empty: no template) and then `format`
  ** (may be empty: the plugin's default), appending the result to out. A template or format
  ** error is VSECM_INVALID_ARGUMENT with a message that names the position, never the value. */
  vsecm_status (*apply)(void* instance, vsecm_bytes value, vsecm_bytes template_text,
                        vsecm_bytes format, vsecm_sink out, vsecm_error* err);

  void* reserved[4];
} vsecm_transform_v1;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VSECM_ABI_VSECM_TRANSFORM_H_ */
