// VSecM's generated secrets: `-s 'gen:{"user":"admin-[a-z0-9]{6}","pass":"[\w]{16}"}'` stores
// the text with every generator expression [ranges]{length} replaced by that many random
// characters drawn from the ranges.
//
//   a-z, A-Z, 0-9   inclusive ranges over VSecM's alphabet order: a…z A…Z 0…9 then the
//                   symbols !@#$%^&*()-_+={}[]|<>,.?/ — so a-Z is every letter
//   \w              letters, digits and symbols;  \d digits;  \x symbols
//   c               the single character c
//
// Characters come from OpenSSL's CSPRNG without modulo bias (VSecM reseeds math/rand from the
// clock for each character, and its ranges leave out their last character). The pattern and
// the result live in secure memory; errors never quote them.
#ifndef VSECM_APPS_SENTINEL_SECRET_GENERATOR_HPP_
#define VSECM_APPS_SENTINEL_SECRET_GENERATOR_HPP_

#include <string_view>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

inline constexpr std::string_view kDefaultGenerationPrefix = "gen:";
inline constexpr size_t kMaxGeneratedLength = 4096;  // per expression

// The pattern with its expressions replaced. INVALID_ARGUMENT when it has no expression (as in
// VSecM), a range runs backwards (z-a), a class is unknown, or a length is 0 or too large.
StatusOr<kernel::SecretBytes> GenerateSecret(std::string_view pattern);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_SECRET_GENERATOR_HPP_
