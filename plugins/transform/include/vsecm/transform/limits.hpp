// The bounds every rendering runs under. A hostile template or value meets one of these limits
// and gets an error naming it; it never exhausts the Safe's memory, stack or time.
#ifndef VSECM_TRANSFORM_LIMITS_HPP_
#define VSECM_TRANSFORM_LIMITS_HPP_

#include <cstddef>
#include <cstdint>

namespace vsecm::transform {

struct Limits {
  // Bytes a template may render, and bytes a format step (YAML) may produce. Also caps every
  // string computed on the way (printf results, escapes), so no intermediate can outgrow it.
  size_t max_output_bytes = size_t{1} << 20;
  // {{range}} iterations over a whole execution, nested loops included.
  uint64_t max_iterations = 100000;
  // Nesting of template control structures and parentheses, and of the JSON value.
  int max_depth = 64;
  // Length of the template text.
  size_t max_template_bytes = size_t{64} << 10;
  // Secure memory one rendering may hold at once (parsed value, temporaries, output).
  size_t max_memory_bytes = size_t{64} << 20;

  // Work that produces no output (evaluating commands, comparing and escaping strings) is
  // bounded too, as multiples of the limits above, so a loop of no-ops still ends quickly.
  uint64_t max_steps() const { return max_iterations * 64 + 100000; }
  uint64_t max_work_bytes() const { return uint64_t{max_output_bytes} * 32; }
};

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_LIMITS_HPP_
