// A small JSON writer and a strict JSON reader that keep string contents in secure memory.
//
// nlohmann::json would copy every string into ordinary heap memory that is freed unwiped, so
// records holding plain text are written and read with these instead. Neither builds a tree:
// the writer appends straight into a caller-owned buffer (a first pass with no buffer counts
// the bytes, so the caller can allocate a SecretBytes of the exact size), and the reader walks
// the text with a cursor, decoding secret strings straight into SecretBytes.
//
// Error messages name the place (a field path and a byte offset), never the bytes found there.
#ifndef VSECM_KERNEL_SECURE_JSON_HPP_
#define VSECM_KERNEL_SECURE_JSON_HPP_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

// Length of the well-formed UTF-8 sequence at the start of `bytes` (1–4), or 0 when it is not
// one: overlong forms, surrogates (U+D800–U+DFFF) and code points above U+10FFFF are refused.
size_t Utf8SequenceLength(std::span<const uint8_t> bytes) noexcept;
bool IsValidUtf8(std::span<const uint8_t> bytes) noexcept;

// Standard base64 (RFC 4648 §4, padded) without secret-dependent branches or table lookups.
size_t Base64EncodedSize(size_t n) noexcept;
// Strict: length a multiple of 4, padding only at the end, unused bits zero, no blanks.
StatusOr<SecretBytes> DecodeBase64(std::span<const uint8_t> text);

class SecureJsonWriter {
 public:
  // With `out` null the writer only counts; size() then tells how big a buffer to allocate.
  SecureJsonWriter() = default;
  explicit SecureJsonWriter(std::span<uint8_t> out) : out_(out) {}

  // Appends JSON syntax as given (punctuation, keys written by the caller as literals).
  void Raw(std::string_view json);
  // A JSON string. Control characters, '"' and '\' are escaped; other valid UTF-8 is copied.
  // Bytes that are not valid UTF-8 become U+FFFD (callers that must not lose bytes check
  // IsValidUtf8 first and use Base64String).
  void String(std::span<const uint8_t> bytes);
  void String(std::string_view text);
  void Base64String(std::span<const uint8_t> bytes);

  size_t size() const noexcept { return pos_; }
  // True when a writing pass produced more bytes than the buffer holds (a sizing bug).
  bool overflowed() const noexcept { return overflowed_; }

 private:
  void Put(const uint8_t* bytes, size_t n);
  void Put(uint8_t byte) { Put(&byte, 1); }

  std::span<uint8_t> out_;
  size_t pos_ = 0;
  bool overflowed_ = false;
};

// A cursor over one JSON document (RFC 8259, strictly: UTF-8 only, no comments, no trailing
// commas, no NaN, no duplicate keys in objects read with ReadObject).
class SecureJsonReader {
 public:
  static constexpr int kMaxDepth = 16;

  explicit SecureJsonReader(std::span<const uint8_t> text) : text_(text) {}

  // Checks the whole document's syntax — escapes, surrogate pairs, UTF-8, numbers, nesting
  // depth at most kMaxDepth, nothing but blanks after the top value — without storing anything.
  // Leaves the cursor where it was.
  Status Validate() const;

  // Reads an object, calling `on_member(key)` with the cursor on each member's value; the
  // callback must consume that value. A key seen twice is refused.
  Status ReadObject(std::string_view context,
                    const std::function<Status(std::string_view key)>& on_member);
  // Reads an array, calling `on_element(index)` with the cursor on each element.
  Status ReadArray(std::string_view context, const std::function<Status(size_t index)>& on_element);

  // A string that is not secret (names, metadata, timestamps).
  StatusOr<std::string> ReadText(std::string_view context);
  // A string decoded straight into secure memory: its decoded size is measured first, so no
  // other copy of its bytes is ever made.
  StatusOr<SecretBytes> ReadSecret(std::string_view context);
  // An integer without fraction or exponent that fits in int64_t.
  StatusOr<int64_t> ReadInteger(std::string_view context);

  // true or false.
  StatusOr<bool> ReadBool(std::string_view context);
  // Consumes the value at the cursor, whatever it is, without storing it.
  Status Skip(std::string_view context) { return SkipValue(context, depth_); }
  // Consumes a null and returns true when the value at the cursor is null; otherwise leaves the
  // cursor where it was and returns false.
  bool ReadNull();
  // Fails unless only blanks remain.
  Status ExpectEnd(std::string_view context);

  size_t offset() const noexcept { return pos_; }

 private:
  void SkipSpace() noexcept;
  int Peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : -1; }
  Status Error(std::string_view context, std::string_view problem, size_t at) const;
  Status TypeError(std::string_view context, std::string_view wanted) const;
  // Decodes the string at the cursor into `dest` (or only measures it when `dest` is null),
  // leaving the cursor after the closing quote and the decoded size in `*size`.
  Status ScanString(std::string_view context, uint8_t* dest, size_t* size);
  Status SkipNumber(std::string_view context);
  Status SkipValue(std::string_view context, int depth);
  Status Enter(std::string_view context);

  std::span<const uint8_t> text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_SECURE_JSON_HPP_
