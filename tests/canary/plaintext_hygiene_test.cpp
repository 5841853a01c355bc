// The two product fixes the canary scan led to, checked on their own: a message serialized into
// one secure buffer is byte for byte what Beast writes, and Wipe leaves no copied bytes in the
// vector registers that memcpy used.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

#include <boost/beast/http/write.hpp>

#include "vsecm/secure_http/secret_body.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::testing {
namespace {

namespace http = boost::beast::http;

TEST(PlaintextHygieneTest, SerializeToSecretIsWhatBeastWrites) {
  secure_http::Response response{http::status::ok, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = kernel::SecretBytes::CopyOf(std::string_view(R"({"data":"hunter2"})"));
  response.prepare_payload();
  std::ostringstream beast;
  beast << response;
  kernel::SecretBytes wire = secure_http::SerializeToSecret(response);
  EXPECT_EQ(std::string(wire.ExposeText()), beast.str());
  EXPECT_NE(beast.str().find("\r\n\r\n{\"data\":\"hunter2\"}"), std::string::npos);

  secure_http::Request request{http::verb::post, "/sentinel/v1/secrets", 11};
  request.set(http::field::host, "127.0.0.1:8443");
  request.body() = kernel::SecretBytes::CopyOf(std::string_view(R"({"value":"v"})"));
  request.prepare_payload();
  std::ostringstream beast_request;
  beast_request << request;
  EXPECT_EQ(std::string(secure_http::SerializeToSecret(request).ExposeText()), beast_request.str());

  secure_http::Response empty{http::status::not_found, 11};
  empty.prepare_payload();
  std::ostringstream beast_empty;
  beast_empty << empty;
  EXPECT_EQ(std::string(secure_http::SerializeToSecret(empty).ExposeText()), beast_empty.str());
}

#if defined(__x86_64__)
// Puts 64 bytes of `pattern` into zmm16 (or 16 into xmm15 without AVX-512), calls Wipe, and
// reads the register back. Nothing between the two asm statements uses these registers but
// Wipe itself (every vector register is caller-saved, so the call may clobber them).
__attribute__((target("avx512f"))) void ZmmAroundWipe(const uint8_t* pattern, uint8_t* after) {
  uint8_t buffer[16] = {1};
  asm volatile("vmovdqu64 (%0), %%zmm16" ::"r"(pattern) : "xmm16", "memory");
  kernel::Wipe(buffer, sizeof buffer);
  asm volatile("vmovdqu64 %%zmm16, (%0)" ::"r"(after) : "memory");
}
void XmmAroundWipe(const uint8_t* pattern, uint8_t* after) {
  uint8_t buffer[16] = {1};
  asm volatile("movdqu (%0), %%xmm15" ::"r"(pattern) : "xmm15", "memory");
  kernel::Wipe(buffer, sizeof buffer);
  asm volatile("movdqu %%xmm15, (%0)" ::"r"(after) : "memory");
}

TEST(PlaintextHygieneTest, WipeClearsTheVectorRegisters) {
  uint8_t pattern[64];
  for (size_t i = 0; i < sizeof pattern; ++i) pattern[i] = static_cast<uint8_t>(0xA0 + i);
  uint8_t after[64];
  std::memset(after, 0xFF, sizeof after);
  XmmAroundWipe(pattern, after);
  EXPECT_EQ(std::string(16, '\0'), std::string(reinterpret_cast<char*>(after), 16));
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "no AVX-512 here: xmm15 checked only";
  std::memset(after, 0xFF, sizeof after);
  ZmmAroundWipe(pattern, after);
  EXPECT_EQ(std::string(64, '\0'), std::string(reinterpret_cast<char*>(after), 64));
}
#endif

}  // namespace
}  // namespace vsecm::testing
