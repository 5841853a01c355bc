// Secret memory is locked where the system allows, never dumped, zeroed when released, and the
// process turns dumps and ptrace off.
#include "vsecm/kernel/secure_memory.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <ostream>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <mutex>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "vsecm/kernel/process_hardening.hpp"

namespace vsecm::kernel {
namespace {

// Captures every released block, as the allocator reports it after wiping.
class ReleaseRecorder {
 public:
  ReleaseRecorder() {
    SetReleaseObserverForTesting([this](std::span<const uint8_t> bytes) {
      std::lock_guard lock(mutex_);
      released_.emplace_back(bytes.begin(), bytes.end());
    });
  }
  ~ReleaseRecorder() { SetReleaseObserverForTesting(nullptr); }
  std::vector<std::vector<uint8_t>> released() {
    std::lock_guard lock(mutex_);
    return released_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<uint8_t>> released_;
};

bool AllZero(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
}

// The VmFlags line of the mapping in /proc/self/smaps that contains `p`.
std::string VmFlagsOf(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > 8) {
      inside = addr >= lo && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

static_assert(!std::is_copy_constructible_v<SecretBytes>, "secrets are move-only");
static_assert(!std::is_copy_assignable_v<SecretBytes>, "secrets are move-only");
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
// A secret cannot be logged by accident: neither fmt nor iostreams accept one.
static_assert(!fmt::is_formattable<SecretBytes>::value, "secrets must not be formattable");
template <class T>
concept Streamable = requires(std::ostream& os, const T& value) { os << value; };
static_assert(!Streamable<SecretBytes>, "secrets must not be streamable");
static_assert(Streamable<std::string>, "the check itself works");

TEST(SecureMemoryTest, SmallSecretIsZeroAfterDestruction) {
  ReleaseRecorder recorder;
  {
    SecretBytes secret = SecretBytes::CopyOf(std::string_view("canary-7f3a9c-small"));
    EXPECT_EQ(secret.ExposeText(), "canary-7f3a9c-small");
  }
  auto released = recorder.released();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_GE(released[0].size(), 19u);
  EXPECT_TRUE(AllZero(released[0]));
}

TEST(SecureMemoryTest, LargeSecretIsZeroAfterDestruction) {
  ReleaseRecorder recorder;
  {
    SecretBytes secret(1 << 20);
    std::fill(secret.Mutable().begin(), secret.Mutable().end(), uint8_t{0xA5});
  }
  auto released = recorder.released();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].size(), size_t{1} << 20);
  EXPECT_TRUE(AllZero(released[0]));
}

TEST(SecureMemoryTest, BuilderWipesEveryBlockItOutgrowsAndWhatIsNotTaken) {
  ReleaseRecorder recorder;
  {
    SecretBuilder builder;
    std::vector<uint8_t> chunk(1000, 0x5A);
    for (int i = 0; i < 20; ++i) builder.Append(chunk);  // several growths
    EXPECT_EQ(builder.size(), 20000u);
  }  // never taken: a failed plugin call looks like this
  auto released = recorder.released();
  ASSERT_GE(released.size(), 3u);
  for (const auto& block : released) EXPECT_TRUE(AllZero(block));
}

TEST(SecureMemoryTest, BuilderTakeReturnsExactlyWhatWasWritten) {
  SecretBuilder builder;
  vsecm_sink sink = builder.sink();
  uint8_t* p = sink.append(sink.ctx_host, 3);
  ASSERT_NE(p, nullptr);
  std::memcpy(p, "abc", 3);
  p = sink.append(sink.ctx_host, 2);
  std::memcpy(p, "de", 2);
  SecretBytes out = builder.Take();
  EXPECT_EQ(out.ExposeText(), "abcde");
  EXPECT_EQ(builder.size(), 0u);
}

TEST(SecureMemoryTest, BuilderRefusesOutputPastItsLimit) {
  SecretBuilder builder(100);
  vsecm_sink sink = builder.sink();
  EXPECT_NE(sink.append(sink.ctx_host, 60), nullptr);
  EXPECT_EQ(sink.append(sink.ctx_host, 41), nullptr);
  EXPECT_EQ(sink.append(sink.ctx_host, SIZE_MAX), nullptr);
  EXPECT_NE(sink.append(sink.ctx_host, 40), nullptr);
}

TEST(SecureMemoryTest, SecretPagesAreExcludedFromCoreDumps) {
  SecretBytes small = SecretBytes::CopyOf(std::string_view("small"));
  SecretBytes large(64 * 1024);
  for (const SecretBytes* s : {&small, &large}) {
    std::string flags = VmFlagsOf(s->Expose().data());
    ASSERT_FALSE(flags.empty()) << "mapping not found in /proc/self/smaps";
    EXPECT_NE(flags.find(" dd"), std::string::npos) << flags;  // MADV_DONTDUMP
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer turns mlock into a successful no-op
    if (GetSecureMemoryStats().locked) {
      EXPECT_NE(flags.find(" lo"), std::string::npos) << flags;  // mlocked
    }
#endif
  }
}

TEST(SecureMemoryTest, MovingLeavesTheSourceEmpty) {
  SecretBytes a = SecretBytes::CopyOf(std::string_view("value"));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.ExposeText(), "value");
  EXPECT_TRUE(b.Equals(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("value"), 5)));
  EXPECT_FALSE(b.Equals(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("valuf"), 5)));
}

TEST(SecureMemoryTest, ManySmallSecretsShareLockedChunks) {
  size_t before = GetSecureMemoryStats().bytes_mapped;
  std::vector<SecretBytes> secrets;
  for (int i = 0; i < 10000; ++i) secrets.push_back(SecretBytes::CopyOf(std::string(100, 'x')));
  size_t grown = GetSecureMemoryStats().bytes_mapped - before;
  // 10,000 × 128-byte blocks ≈ 1.3 MB, not 10,000 pages (40 MB).
  EXPECT_LE(grown, size_t{4} << 20);
}

TEST(ProcessHardeningTest, TheProcessIsNotDumpableAfterHardening) {
  ASSERT_TRUE(HardenProcess().ok());
  EXPECT_FALSE(IsProcessDumpable());
  EXPECT_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
  struct rlimit core;
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &core), 0);
  EXPECT_EQ(core.rlim_cur, 0u);
  EXPECT_EQ(core.rlim_max, 0u);
}

TEST(ProcessHardeningTest, OpenSslKeepsPrivateKeyNumbersInItsSecureHeap) {
  ASSERT_TRUE(EnableOpenSslSecureHeap(size_t{1} << 20));
  EXPECT_EQ(CRYPTO_secure_malloc_initialized(), 1);
  void* p = OPENSSL_secure_malloc(64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(CRYPTO_secure_allocated(p), 1);
  OPENSSL_secure_clear_free(p, 64);
}

}  // namespace
}  // namespace vsecm::kernel
