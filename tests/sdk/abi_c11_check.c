/* The ABI headers must compile as strict C11 (-std=c11 -pedantic -Werror): plugins may be
** written in C. */
#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/abi/vsecm_transform.h"

int vsecm_abi_c11_check(void) {
  vsecm_plugin_descriptor d = {0};
  d.struct_size = (uint32_t)sizeof d;
  return d.struct_size == sizeof(vsecm_plugin_descriptor) && VSECM_HAS_FIELD(&d, vsecm_plugin_descriptor, functions);
}
