#include "vsecm/kernel/providers.hpp"

#include <cstring>

namespace vsecm::kernel {
namespace {

vsecm_bytes ToC(std::span<const uint8_t> s) { return {s.data(), s.size()}; }
vsecm_bytes ToC(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Collects non-secret output (cipher text, store records) with a size limit.
class BytesSink {
 public:
  vsecm_sink sink() { return {sizeof(vsecm_sink), this, &BytesSink::Append}; }
  Bytes Take() { return std::move(bytes_); }

 private:
  static uint8_t* Append(void* self, size_t len) noexcept {
    auto& b = static_cast<BytesSink*>(self)->bytes_;
    if (len > kMaxPluginOutput || b.size() > kMaxPluginOutput - len) return nullptr;
    try {
      b.resize(b.size() + len);
    } catch (...) {
      return nullptr;
    }
    return b.data() + b.size() - len;
  }
  Bytes bytes_;
};

}  // namespace

// ---- crypto

CryptoProvider::CryptoProvider(std::unique_ptr<PluginInstance> instance)
    : instance_(std::move(instance)),
      table_(static_cast<const vsecm_crypto_v1*>(instance_->functions())) {}

Status CryptoProvider::SetKeys(const SecretBytes& key_material) {
  return instance_->Call("set keys", [&](void* self, vsecm_error* err) {
    return table_->set_keys(self, ToC(key_material.Expose()), err);
  });
}

StatusOr<Bytes> CryptoProvider::Encrypt(std::span<const uint8_t> plaintext) {
  BytesSink out;
  VSECM_RETURN_IF_ERROR(instance_->Call("encrypt", [&](void* self, vsecm_error* err) {
    return table_->encrypt(self, ToC(plaintext), out.sink(), err);
  }));
  return out.Take();
}

StatusOr<SecretBytes> CryptoProvider::Decrypt(std::span<const uint8_t> ciphertext) {
  SecretBuilder out(kMaxPluginOutput);  // wiped on any failure: no partial plain text escapes
  VSECM_RETURN_IF_ERROR(instance_->Call("decrypt", [&](void* self, vsecm_error* err) {
    return table_->decrypt(self, ToC(ciphertext), out.sink(), err);
  }));
  return out.Take();
}

// ---- store

StoreProvider::StoreProvider(std::unique_ptr<PluginInstance> instance)
    : instance_(std::move(instance)),
      table_(static_cast<const vsecm_store_v1*>(instance_->functions())) {}

Status StoreProvider::Put(std::string_view record_name, std::span<const uint8_t> ciphertext) {
  return instance_->Call("put", [&](void* self, vsecm_error* err) {
    return table_->put(self, ToC(record_name), ToC(ciphertext), err);
  });
}

StatusOr<Bytes> StoreProvider::Get(std::string_view record_name) {
  BytesSink out;
  VSECM_RETURN_IF_ERROR(instance_->Call("get", [&](void* self, vsecm_error* err) {
    return table_->get(self, ToC(record_name), out.sink(), err);
  }));
  return out.Take();
}

Status StoreProvider::Remove(std::string_view record_name) {
  return instance_->Call("remove", [&](void* self, vsecm_error* err) {
    return table_->remove(self, ToC(record_name), err);
  });
}

StatusOr<std::vector<std::string>> StoreProvider::List() {
  std::vector<std::string> names;
  vsecm_name_visitor visitor{sizeof(vsecm_name_visitor), &names,
                             [](void* ctx, vsecm_bytes name) noexcept -> vsecm_status {
                               try {
                                 static_cast<std::vector<std::string>*>(ctx)->emplace_back(
                                     reinterpret_cast<const char*>(name.data), name.len);
                                 return VSECM_OK;
                               } catch (...) {
                                 return VSECM_RESOURCE_EXHAUSTED;
                               }
                             }};
  VSECM_RETURN_IF_ERROR(instance_->Call("list", [&](void* self, vsecm_error* err) {
    return table_->list(self, visitor, err);
  }));
  return names;
}

bool StoreProvider::TakesKey() const noexcept {
  return VSECM_HAS_FIELD(table_, vsecm_store_v1, set_key) && table_->set_key != nullptr;
}

Status StoreProvider::SetKey(const SecretBytes& key) {
  if (!TakesKey()) return Status::Ok();
  return instance_->Call("set key", [&](void* self, vsecm_error* err) {
    return table_->set_key(self, ToC(key.Expose()), err);
  });
}

// ---- transform

TransformProvider::TransformProvider(std::unique_ptr<PluginInstance> instance)
    : instance_(std::move(instance)),
      table_(static_cast<const vsecm_transform_v1*>(instance_->functions())) {}

StatusOr<SecretBytes> TransformProvider::Apply(std::span<const uint8_t> value,
                                               std::string_view template_text,
                                               std::string_view format) {
  SecretBuilder out(kMaxPluginOutput);
  VSECM_RETURN_IF_ERROR(instance_->Call("apply", [&](void* self, vsecm_error* err) {
    return table_->apply(self, ToC(value), ToC(template_text), ToC(format), out.sink(), err);
  }));
  return out.Take();
}

}  // namespace vsecm::kernel
