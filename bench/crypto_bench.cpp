// Crypto benchmark: VSecM's in-process crypto against the stock tools doing the same job.
//
//   1. 10,000 secrets of 100 bytes, encrypted and decrypted with vsecm_age, against the stock
//      `age` CLI spawned once per secret (a sample of invocations, scaled up; the output says so).
//   2. One 100 MiB payload through vsecm_age against `openssl speed -evp chacha20-poly1305`
//      (its 16384-byte column), the ceiling for a single-threaded ChaCha20-Poly1305.
//   3. When vsecm_aes is built: 100 MiB through the AES envelope against
//      `openssl speed -evp aes-256-gcm` (see the AES section at the end).
//
// Benchmark data is random and not secret; large outputs go into plain buffers so that the
// figures measure the cipher, not mlock. Small decryptions use the kernel's SecretBuilder, as the
// Safe does.
#include <fcntl.h>
#include <openssl/rand.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "vsecm/age/age.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#ifdef VSECM_BENCH_HAVE_AES
#include "vsecm/aes/envelope.hpp"
#endif

extern char** environ;

namespace vsecm::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  size_t secrets = 10000;
  size_t secret_size = 100;
  size_t cli_sample = 300;
  size_t big_mib = 100;
  bool cli = true;
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<uint8_t> Random(size_t n) {
  std::vector<uint8_t> v(n);
  if (n > 0 && RAND_bytes(v.data(), static_cast<int>(n)) != 1) throw std::runtime_error("rand");
  return v;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

// A reusable output buffer of fixed capacity, touched up front so that page faults and
// reallocation stay out of the timings.
class BufferSink {
 public:
  explicit BufferSink(size_t capacity) : bytes_(capacity) {}
  vsecm_sink sink() { return {sizeof(vsecm_sink), this, &Append}; }
  void Clear() { used_ = 0; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), used_}; }

 private:
  static uint8_t* Append(void* self, size_t len) noexcept {
    auto* b = static_cast<BufferSink*>(self);
    if (len > b->bytes_.size() - b->used_) return nullptr;
    b->used_ += len;
    return b->bytes_.data() + b->used_ - len;
  }
  std::vector<uint8_t> bytes_;
  size_t used_ = 0;
};

int Spawn(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void WriteFile(const std::filesystem::path& p, const std::vector<uint8_t>& data) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

// Bytes per second of `openssl speed -evp <cipher>` on 16384-byte blocks, or 0 when unavailable.
double OpensslSpeed(const std::string& cipher) {
  std::string cmd = "openssl speed -evp " + cipher + " -seconds 2 -mr 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  // "+F:<n>:<name>:<16>:<64>:<256>:<1024>:<8192>:<16384>"
  size_t f = out.find("+F:");
  if (f == std::string::npos) return 0;
  std::string line = out.substr(f, out.find('\n', f) - f);
  return std::strtod(line.substr(line.rfind(':') + 1).c_str(), nullptr);
}

void PrintPair(const char* what, const char* ours_name, double ours, const char* theirs_name,
               double theirs, const char* unit, bool higher_is_better) {
  double ratio = higher_is_better ? ours / theirs : theirs / ours;
  std::printf("%-44s %-10s %12.1f %-5s | %-28s %12.1f %-5s | %.2fx %s\n", what, ours_name, ours,
              unit, theirs_name, theirs, unit, ratio, ratio >= 1 ? "faster" : "slower");
}

// ---- 1. many small secrets -----------------------------------------------------------------

void SmallSecrets(const Options& o) {
  std::array<uint8_t, 32> secret{};
  Check(age::GenerateIdentity(secret), "generate");
  age::Recipient recipient = age::DecodeRecipient(age::RecipientOf(secret).value()).value();
  std::vector<std::vector<uint8_t>> plain(o.secrets);
  for (auto& p : plain) p = Random(o.secret_size);
  std::vector<std::vector<uint8_t>> cipher(o.secrets);

  BufferSink out(1024);
  auto start = Clock::now();
  for (size_t i = 0; i < o.secrets; ++i) {
    out.Clear();
    sdk::Sink sink(out.sink());
    Check(age::Encrypt(std::span<const age::Recipient>(&recipient, 1), plain[i],
                       age::Armor::kBinary, sink),
          "encrypt");
    cipher[i].assign(out.bytes().begin(), out.bytes().end());
  }
  const double enc_ms = Seconds(start) * 1000;

  // As the plugin does: the identity is loaded once (at SetKeys), not once per record.
  const age::PreparedIdentity identity = age::PreparedIdentity::FromSecret(secret).value();
  start = Clock::now();
  for (size_t i = 0; i < o.secrets; ++i) {
    kernel::SecretBuilder builder;
    sdk::Sink sink(builder.sink());
    Check(age::Decrypt(identity, cipher[i], sink), "decrypt");
    if (builder.size() != o.secret_size) throw std::runtime_error("decrypt size");
  }
  const double dec_ms = Seconds(start) * 1000;
  std::printf(
      "vsecm_age, %zu secrets of %zu bytes, one thread: encrypt %.1f ms (%.0f/s), "
      "decrypt %.1f ms (%.0f/s)\n",
      o.secrets, o.secret_size, enc_ms, o.secrets / enc_ms * 1000, dec_ms,
      o.secrets / dec_ms * 1000);

  if (!o.cli || access("/usr/bin/age", X_OK) != 0 || access("/usr/bin/age-keygen", X_OK) != 0) {
    std::printf("age CLI comparison skipped (no /usr/bin/age or --no-cli)\n\n");
    return;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
  const std::filesystem::path dir = tmpl;
  const std::string key = (dir / "key.txt").string();
  if (Spawn({"/usr/bin/age-keygen", "-o", key}) != 0) throw std::runtime_error("age-keygen");
  std::string key_text = ReadText(key);
  size_t pk = key_text.find("# public key: ") + 14;
  const std::string cli_recipient = key_text.substr(pk, key_text.find('\n', pk) - pk);

  const size_t n = std::min(o.cli_sample, o.secrets);
  for (size_t i = 0; i < n; ++i) WriteFile(dir / ("p" + std::to_string(i)), plain[i]);
  start = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    if (Spawn({"/usr/bin/age", "-r", cli_recipient, "-o",
               (dir / ("c" + std::to_string(i))).string(),
               (dir / ("p" + std::to_string(i))).string()}) != 0) {
      throw std::runtime_error("age -r failed");
    }
  }
  const double cli_enc_ms = Seconds(start) * 1000 * static_cast<double>(o.secrets) / n;
  start = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    if (Spawn({"/usr/bin/age", "-d", "-i", key, "-o", (dir / ("d" + std::to_string(i))).string(),
               (dir / ("c" + std::to_string(i))).string()}) != 0) {
      throw std::runtime_error("age -d failed");
    }
  }
  const double cli_dec_ms = Seconds(start) * 1000 * static_cast<double>(o.secrets) / n;
  std::filesystem::remove_all(dir);

  std::printf("age CLI: one process per secret; timed %zu invocations each way, scaled to %zu\n", n,
              o.secrets);
  char what[64];
  std::snprintf(what, sizeof what, "encrypt %zu x %zu B (total time)", o.secrets, o.secret_size);
  PrintPair(what, "vsecm_age", enc_ms, "age CLI (scaled)", cli_enc_ms, "ms", false);
  std::snprintf(what, sizeof what, "decrypt %zu x %zu B (total time)", o.secrets, o.secret_size);
  PrintPair(what, "vsecm_age", dec_ms, "age CLI (scaled)", cli_dec_ms, "ms", false);
  std::printf("\n");
}

// ---- 2. one large payload ------------------------------------------------------------------

void LargePayload(const Options& o) {
  const size_t size = o.big_mib << 20;
  std::array<uint8_t, 32> secret{};
  Check(age::GenerateIdentity(secret), "generate");
  age::Recipient recipient = age::DecodeRecipient(age::RecipientOf(secret).value()).value();
  std::vector<uint8_t> plain = Random(size);

  BufferSink cipher(size + size / 1000 + 4096);
  sdk::Sink cipher_sink(cipher.sink());
  auto start = Clock::now();
  Check(age::Encrypt(std::span<const age::Recipient>(&recipient, 1), plain, age::Armor::kBinary,
                     cipher_sink),
        "encrypt");
  const double enc_mbs = size / Seconds(start) / 1e6;

  BufferSink back(size);
  sdk::Sink back_sink(back.sink());
  start = Clock::now();
  Check(age::Decrypt(age::SecretView(secret), cipher.bytes(), back_sink), "decrypt");
  const double dec_mbs = size / Seconds(start) / 1e6;
  if (!std::equal(plain.begin(), plain.end(), back.bytes().begin(), back.bytes().end())) {
    throw std::runtime_error("round trip mismatch");
  }

  const double ossl = OpensslSpeed("chacha20-poly1305") / 1e6;
  char what[64];
  std::snprintf(what, sizeof what, "%zu MiB age encrypt (MB/s)", o.big_mib);
  if (ossl > 0) {
    PrintPair(what, "vsecm_age", enc_mbs, "openssl speed chacha20-p1305", ossl, "MB/s", true);
    std::snprintf(what, sizeof what, "%zu MiB age decrypt (MB/s)", o.big_mib);
    PrintPair(what, "vsecm_age", dec_mbs, "openssl speed chacha20-p1305", ossl, "MB/s", true);
  } else {
    std::printf("%s: %.1f MB/s encrypt, %.1f MB/s decrypt (openssl speed unavailable)\n", what,
                enc_mbs, dec_mbs);
  }
  std::printf("\n");
}

// ---- 3. AES envelope (crypto-aes) ------------------------------------------------------------
// Hook for the AES plugin's library: compiled when bench/CMakeLists.txt finds target vsecm_aes.

#ifdef VSECM_BENCH_HAVE_AES
// Benchmark data is not secret: plain memory, pre-sized so that it is not timed.
class VectorScratch final : public aes::SecureScratch {
 public:
  explicit VectorScratch(size_t n) : buf_(n) {}
  std::span<uint8_t> Acquire(size_t n) override {
    if (buf_.size() < n) buf_.resize(n);
    return {buf_.data(), n};
  }

 private:
  std::vector<uint8_t> buf_;
};

void AesLargePayload(const Options& o) {
  const size_t size = o.big_mib << 20;
  StatusOr<aes::Primitives> prims = aes::Primitives::Fetch(false);
  Check(prims.status(), "aes primitives");
  std::vector<uint8_t> key = Random(aes::kKeySize);
  aes::KeyRing ring;
  Check(ring.Add(*prims, aes::KeySpan(key.data(), aes::kKeySize)), "aes key");
  std::vector<uint8_t> plain = Random(size);

  BufferSink sealed(aes::SealedSize(size));
  sdk::Sink sealed_sink(sealed.sink());
  auto start = Clock::now();
  Check(aes::Seal(*prims, *ring.Newest(), plain, sealed_sink), "aes seal");
  const double enc_mbs = size / Seconds(start) / 1e6;

  BufferSink back(size);
  sdk::Sink back_sink(back.sink());
  VectorScratch scratch(size);
  start = Clock::now();
  Check(aes::Open(*prims, ring, sealed.bytes(), scratch, back_sink), "aes open");
  const double dec_mbs = size / Seconds(start) / 1e6;
  if (!std::equal(plain.begin(), plain.end(), back.bytes().begin(), back.bytes().end())) {
    throw std::runtime_error("aes round trip mismatch");
  }

  const double ossl = OpensslSpeed("aes-256-gcm") / 1e6;
  char what[64];
  std::snprintf(what, sizeof what, "%zu MiB crypto-aes seal (MB/s)", o.big_mib);
  PrintPair(what, "vsecm_aes", enc_mbs, "openssl speed aes-256-gcm", ossl, "MB/s", true);
  std::snprintf(what, sizeof what, "%zu MiB crypto-aes open (MB/s)", o.big_mib);
  PrintPair(what, "vsecm_aes", dec_mbs, "openssl speed aes-256-gcm", ossl, "MB/s", true);
  std::printf("\n");
}
#endif

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> size_t {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return std::stoul(argv[++i]);
    };
    if (a == "--secrets")
      o.secrets = next();
    else if (a == "--cli-sample")
      o.cli_sample = next();
    else if (a == "--big-mib")
      o.big_mib = next();
    else if (a == "--no-cli")
      o.cli = false;
    else
      throw std::runtime_error("unknown option " + a);
  }
  return o;
}

}  // namespace
}  // namespace vsecm::bench

int main(int argc, char** argv) {
  try {
    vsecm::bench::Options o = vsecm::bench::Parse(argc, argv);
    vsecm::bench::SmallSecrets(o);
    vsecm::bench::LargePayload(o);
#ifdef VSECM_BENCH_HAVE_AES
    vsecm::bench::AesLargePayload(o);
#else
    std::printf("crypto-aes: vsecm_aes not built; AES lines skipped\n");
#endif
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vsecm_crypto_bench: %s\n", e.what());
    return 1;
  }
}
