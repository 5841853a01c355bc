// libFuzzer target for the AES-256-GCM envelope (plugins/crypto-aes, vsecm_aes) as the plugin and
// vsecm-keygen use it, with scratch and output in the kernel's secure memory:
//
// - the input as a record, opened with a fixed key set: refused with one of the documented
//   codes and nothing in the sink, or (a valid record) re-sealed with its own key and nonce to
//   exactly the same bytes;
// - the input as plain text: sealed (a nonce from the input, and a random one) and opened back
//   to the same bytes; then the record with one bit flipped, cut short, extended, or opened
//   with a key set that lacks its key, which must all be refused.
//
// Any crash, leak, undefined behaviour or failed check (abort) is a bug. With VSECM_FUZZ_SEED_DIR
// set, LLVMFuzzerInitialize writes valid records made with the fixed keys into that directory.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/aes/envelope.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace {

using vsecm::Status;
using vsecm::StatusCode;
using vsecm::aes::ByteView;
using vsecm::aes::KeyRing;
using vsecm::aes::Nonce;
using vsecm::aes::Primitives;
using vsecm::kernel::SecretBuilder;
using vsecm::kernel::SecretBytes;

[[noreturn]] void Fail(const char* what, const Status& status = Status::Ok()) {
  std::fprintf(stderr, "aes_envelope_fuzz: %s (%s)\n", what, status.ToString().c_str());
  std::abort();
}

// Decryption scratch from the kernel's secure allocator, as vsecm-keygen has it.
class KernelScratch final : public vsecm::aes::SecureScratch {
 public:
  std::span<uint8_t> Acquire(size_t n) override {
    block_ = SecretBytes(n);
    return block_.Mutable();
  }

 private:
  SecretBytes block_;
};

struct Fixture {
  Primitives primitives;
  std::array<uint8_t, vsecm::aes::kKeySize> keys[3];
  vsecm::aes::KeyId ids[3];
  KeyRing ring;   // keys[0] (older) and keys[1] (newest)
  KeyRing other;  // keys[2] only: a key set that holds none of the ring's keys

  Fixture() {
    auto p = Primitives::Fetch(false);
    if (!p.ok()) Fail("fetching aes-256-gcm", p.status());
    primitives = *p;
    for (size_t k = 0; k < 3; ++k) {
      for (size_t i = 0; i < keys[k].size(); ++i) {
        keys[k][i] = static_cast<uint8_t>(i * 7 + k * 101);
      }
    }
    for (size_t k = 0; k < 2; ++k) {
      Status s = ring.Add(primitives, keys[k]);
      if (!s.ok()) Fail("building the key set", s);
    }
    Status s = other.Add(primitives, keys[2]);
    if (!s.ok()) Fail("building the other key set", s);
    for (size_t k = 0; k < 3; ++k) {
      auto id = primitives.IdOf(keys[k]);
      if (!id.ok()) Fail("computing a key id", id.status());
      ids[k] = *id;
    }
  }
};

const Fixture& Fx() {
  static const Fixture* fixture = new Fixture();
  return *fixture;
}

ByteView View(const SecretBytes& b) { return b.Expose(); }

// Opens `record`; checks that a refusal left the sink empty and carries a documented code.
vsecm::StatusOr<SecretBytes> OpenChecked(const KeyRing& ring, ByteView record) {
  SecretBuilder builder;
  vsecm::sdk::Sink sink(builder.sink());
  KernelScratch scratch;
  Status s = vsecm::aes::Open(Fx().primitives, ring, record, scratch, sink);
  if (s.ok()) return builder.Take();
  if (builder.size() != 0) Fail("a refused record left plain text in the sink", s);
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss:
    case StatusCode::kNotFound:
    case StatusCode::kIntegrityFailure: return s;
    default: Fail("a record was refused with an undocumented code", s);
  }
}

SecretBytes SealChecked(const vsecm::aes::KeyRef& key, const Nonce* nonce, ByteView plain) {
  SecretBuilder builder;
  vsecm::sdk::Sink sink(builder.sink());
  Status s = nonce != nullptr ? vsecm::aes::Seal(Fx().primitives, key, *nonce, plain, sink)
                              : vsecm::aes::Seal(Fx().primitives, key, plain, sink);
  if (!s.ok()) Fail("sealing failed", s);
  SecretBytes record = builder.Take();
  if (record.size() != vsecm::aes::SealedSize(plain.size())) {
    Fail("sealed record has the wrong size");
  }
  auto header = vsecm::aes::ParseEnvelopeHeader(View(record));
  if (!header.ok()) Fail("a sealed record's header does not parse", header.status());
  if (header->key_id != key.id || header->ciphertext_size != plain.size()) {
    Fail("a sealed record's header does not describe it");
  }
  if (nonce != nullptr && header->nonce != *nonce) Fail("a sealed record lost its nonce");
  return record;
}

void MustRefuse(const KeyRing& ring, ByteView record, const char* what) {
  auto opened = OpenChecked(ring, record);
  if (opened.ok()) Fail(what);
}

// The input as a record.
void OpenInput(ByteView input) {
  const Fixture& fx = Fx();
  auto header = vsecm::aes::ParseEnvelopeHeader(input);
  if (!vsecm::aes::LooksLikeAesEnvelope(input) && header.ok()) Fail("header of a foreign format");
  auto opened = OpenChecked(fx.ring, input);
  if (!opened.ok()) {
    if (!header.ok() && opened.status().code() != header.status().code()) {
      Fail("open and the header parser disagree", opened.status());
    }
    return;
  }
  if (!header.ok()) Fail("a record opened whose header does not parse", header.status());
  // A valid record: sealing its plain text with its key and nonce gives the record back.
  const vsecm::aes::KeyRef* key = fx.ring.Find(header->key_id);
  if (key == nullptr) Fail("a record opened under a key the set does not hold");
  SecretBytes again = SealChecked(*key, &header->nonce, View(*opened));
  if (!again.Equals(input)) Fail("re-sealing an opened record gave other bytes");
  MustRefuse(fx.other, input, "a record opened with a key set that lacks its key");
}

// The input as plain text.
void RoundTrip(ByteView plain) {
  const Fixture& fx = Fx();
  uint32_t h = 2166136261u;  // FNV-1a: positions and choices that follow the input
  for (uint8_t b : plain) h = (h ^ b) * 16777619u;
  // Either key of the set: records under the older one must open as well.
  const vsecm::aes::KeyRef& key = *fx.ring.Find(fx.ids[h & 1]);
  Nonce nonce{};
  for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(h >> (i % 4 * 8)) ^ i;

  for (const Nonce* n : {static_cast<const Nonce*>(&nonce), static_cast<const Nonce*>(nullptr)}) {
    SecretBytes record = SealChecked(key, n, plain);
    auto opened = OpenChecked(fx.ring, View(record));
    if (!opened.ok()) Fail("a sealed record does not open", opened.status());
    if (!opened->Equals(plain)) Fail("round trip changed the plain text");

    std::vector<uint8_t> bad(record.Expose().begin(), record.Expose().end());
    const size_t bit = h % (bad.size() * 8);
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    MustRefuse(fx.ring, bad, "a record with a flipped bit opened");
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));

    MustRefuse(fx.ring, ByteView(bad).first(bad.size() - 1 - h % 16), "a truncated record opened");
    bad.push_back(static_cast<uint8_t>(h));
    MustRefuse(fx.ring, bad, "a record with a byte appended opened");
    MustRefuse(fx.other, View(record), "a record opened without its key");
  }
}

void WriteSeed(const std::string& dir, const std::string& name, ByteView bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

ByteView Text(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("VSECM_FUZZ_SEED_DIR");
  if (dir == nullptr) return 0;
  const Fixture& fx = Fx();
  const Nonce nonce = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  // What the Safe stores: a record of a secret (see kernel/secret_record), a short value, none.
  const std::string_view record_json =
      R"({"name":"billing","created":"2024-05-01T10:00:00Z","updated":"2024-05-01T10:00:00Z",)"
      R"("notBefore":"now","expiresAfter":"never","values":["hunter2"],"template":"",)"
      R"("format":"json"})";
  const std::pair<const char*, std::string_view> plains[] = {
      {"record", record_json}, {"value", "hunter2"}, {"empty", ""}};
  for (const auto& [name, text] : plains) {
    for (size_t k = 0; k < 2; ++k) {
      SecretBytes record = SealChecked(*fx.ring.Find(fx.ids[k]), &nonce, Text(text));
      WriteSeed(dir, std::string("envelope-") + name + "-" + std::to_string(k), View(record));
    }
    WriteSeed(dir, std::string("plain-") + name, Text(text));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  OpenInput(input);
  RoundTrip(input);
  return 0;
}
