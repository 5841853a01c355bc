// The exported entry of vsecm-store-fs.so.
#include "fs_store.hpp"

VSECM_DEFINE_PLUGIN(vsecm::store_fs::FsStore)
