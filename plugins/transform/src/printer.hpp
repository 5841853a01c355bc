// fmt's printer state (fmt/print.go's pp and fmt/format.go's fmt) over template values, shared
// by printf_format.cpp (padding and the formatting of one operand) and printf.cpp (verb
// dispatch, values, and the Sprint/Sprintln/Sprintf loops).
#ifndef VSECM_TRANSFORM_SRC_PRINTER_HPP_
#define VSECM_TRANSFORM_SRC_PRINTER_HPP_

#include <span>
#include <string_view>

#include "vsecm/transform/secure_memory.hpp"
#include "vsecm/transform/value.hpp"

namespace vsecm::transform::fmt_internal {

inline constexpr const char* kLowerDigits = "0123456789abcdefx";
inline constexpr const char* kUpperDigits = "0123456789ABCDEFX";

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plus_v = false, sharp_v = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;
};

class Printer {
 public:
  Printer(SecretString& out, size_t max) : out_(out), max_(max) {}

  void DoPrint(std::span<const Value> args, bool line);
  void Check();
  [[noreturn]] void Fail();
  void WritePadding(int n);
  void Pad(std::string_view s);
  // A scratch string that, object and characters, lives in the secure memory of `out_`.
  SecretStringPtr Scratch();
  std::string_view Truncate(std::string_view s);
  void FmtBoolean(bool b);
  void FmtInteger(uint64_t u, int base, bool is_signed, char32_t verb, const char* digits);
  void FmtUnicode(uint64_t u);
  void FmtC(uint64_t c);
  void FmtQc(uint64_t c);
  void FmtFloat(double v, char verb, int prec);
  void FmtS(std::string_view s);
  void FmtSbx(std::string_view s, const char* digits);
  void FmtQ(std::string_view s);
  void BadVerb(char32_t verb, const Value* arg);
  void FmtIntegerVerb(uint64_t v, bool is_signed, char32_t verb, const Value& arg);
  void FmtFloatVerb(double v, char32_t verb, const Value& arg);
  void FmtString(std::string_view s, char32_t verb, const Value& arg);
  void PrintArg(const Value& arg, char32_t verb);
  void PrintValue(const Value& v, char32_t verb, int depth);

  SecretString& out_;
  size_t max_;
  Flags f_;
};

}  // namespace vsecm::transform::fmt_internal

#endif  // VSECM_TRANSFORM_SRC_PRINTER_HPP_
