// Fills a `vsecm-safe dev` directory with stored secrets quickly: a SafeKernel opened with the
// same plugins and settings the dev command uses (crypto-age, store-fs under DIR/data) and
// DIR/key.txt as root key, upserting through registry().Upsert directly instead of over HTTP.
// The Safe must not be running on DIR (the store locks its directory).
#ifndef VSECM_BENCH_COLD_START_POPULATE_HPP_
#define VSECM_BENCH_COLD_START_POPULATE_HPP_

#include <cstddef>
#include <string>

#include "vsecm/sdk/status.hpp"

namespace vsecm::bench {

struct PopulateOptions {
  std::string dir;                  // a directory a `vsecm-safe dev --dir` run has set up
  std::string plugin_dir;           // where vsecm-crypto-age.so and vsecm-store-fs.so are
  size_t first = 0;                 // names are <prefix><index, 7 digits>, index from `first`
  size_t count = 0;
  size_t value_bytes = 100;
  size_t batch = 100;               // workloads per Upsert call (one record each)
  int threads = 2;
  std::string prefix = "cold-";
};

// Writes `count` records; prints progress and the rate to stdout.
Status Populate(const PopulateOptions& options);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_COLD_START_POPULATE_HPP_
