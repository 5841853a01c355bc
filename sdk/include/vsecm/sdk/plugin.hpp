// The C++ way to write a VSecM plugin: derive from CryptoPlugin, StorePlugin or
// TransformPlugin, give the class a few static constants, and end the file with
// VSECM_DEFINE_PLUGIN(YourClass). The macro exports the C entry symbol and generates noexcept
// trampolines, so an exception thrown in plugin code becomes a status code at the boundary.
//
//   class AcmeStore final : public vsecm::sdk::StorePlugin {
//    public:
//     static constexpr const char* kName = "acme-store";          // the file is acme-store.so
//     static constexpr const char* kVersion = "1.0.0";
//     static constexpr const char* kDescription = "keeps cipher text in Acme's vault";
//     static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;   // optional
//     static constexpr vsecm_config_field kConfig[] = {                  // optional
//         {"url", VSECM_CONFIG_STRING, 1, nullptr, "ACME_URL", "the vault's address"}};
//     explicit AcmeStore(vsecm::sdk::Host host);  // read configuration; throw to refuse
//     vsecm::Status Put(std::string_view name, ByteView ciphertext) override;
//     ...
//   };
//   VSECM_DEFINE_PLUGIN(AcmeStore)
#ifndef VSECM_SDK_PLUGIN_HPP_
#define VSECM_SDK_PLUGIN_HPP_

#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/abi/vsecm_transform.h"
#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sdk {

// Common base: holds the host services. Copying a plugin makes no sense.
class PluginBase {
 public:
  explicit PluginBase(Host host) : host_(host) {}
  PluginBase(const PluginBase&) = delete;
  PluginBase& operator=(const PluginBase&) = delete;
  virtual ~PluginBase() = default;

 protected:
  const Host& host() const noexcept { return host_; }

 private:
  Host host_;
};

class CryptoPlugin : public PluginBase {
 public:
  using PluginBase::PluginBase;
  virtual Status SetKeys(ByteView key_material) = 0;
  virtual Status Encrypt(ByteView plaintext, Sink& out) = 0;
  virtual Status Decrypt(ByteView ciphertext, Sink& out) = 0;
};

class StorePlugin : public PluginBase {
 public:
  using PluginBase::PluginBase;
  virtual Status Put(std::string_view name, ByteView ciphertext) = 0;
  virtual Status Get(std::string_view name, Sink& out) = 0;
  virtual Status Remove(std::string_view name) = 0;
  // Calls visit once per stored name; stops at the first non-ok status and returns it.
  virtual Status List(const std::function<Status(std::string_view name)>& visit) = 0;
  // The store's own key, derived by the kernel from the root key (see vsecm_store.h). Stores
  // that do not encrypt their own files ignore it.
  virtual Status SetKey(ByteView /*key*/) { return Status::Ok(); }
};

class TransformPlugin : public PluginBase {
 public:
  using PluginBase::PluginBase;
  virtual Status Apply(ByteView value, std::string_view template_text, std::string_view format,
                       Sink& out) = 0;
};

namespace detail {

inline vsecm_status Report(const Status& status, vsecm_error* err) noexcept {
  if (err != nullptr && err->buf != nullptr && err->cap > 0) {
    const std::string& m = status.message();
    size_t n = m.size() < err->cap - 1 ? m.size() : err->cap - 1;
    std::memcpy(err->buf, m.data(), n);
    err->buf[n] = '\0';
    err->len = static_cast<uint32_t>(n);
  }
  return static_cast<vsecm_status>(status.code());
}

// Runs plugin code and turns whatever it returns or throws into a C status.
template <class Fn>
vsecm_status Guard(vsecm_error* err, Fn&& fn) noexcept {
  try {
    return Report(fn(), err);
  } catch (const StatusError& e) {
    return Report(e.status(), err);
  } catch (const std::bad_alloc&) {
    return Report(ResourceExhausted("out of memory"), err);
  } catch (const std::exception& e) {
    return Report(Internal(std::string("unexpected exception: ") + e.what()), err);
  } catch (...) {
    return Report(Internal("unexpected non-standard exception"), err);
  }
}

template <class T>
concept HasConfig = requires { std::size(T::kConfig); };
template <class T>
concept HasFlags = requires { T::kFlags; };

template <class Impl>
struct Exported {
  static Impl* Self(void* instance) { return static_cast<Impl*>(instance); }

  static vsecm_status Create(const vsecm_host_api* api, void** out, vsecm_error* err) noexcept {
    return Guard(err, [&] {
      if (!VSECM_HAS_FIELD(api, vsecm_host_api, now_unix_ms)) {
        return FailedPrecondition("the host's services table is older than this plugin needs");
      }
      *out = new Impl(Host(api));
      return Status::Ok();
    });
  }
  static void Destroy(void* instance) noexcept { delete Self(instance); }

  // ---- crypto
  static vsecm_status SetKeys(void* i, vsecm_bytes k, vsecm_error* e) noexcept {
    return Guard(e, [&] { return Self(i)->SetKeys(View(k)); });
  }
  static vsecm_status Encrypt(void* i, vsecm_bytes p, vsecm_sink o, vsecm_error* e) noexcept {
    return Guard(e, [&] { Sink s(o); return Self(i)->Encrypt(View(p), s); });
  }
  static vsecm_status Decrypt(void* i, vsecm_bytes c, vsecm_sink o, vsecm_error* e) noexcept {
    return Guard(e, [&] { Sink s(o); return Self(i)->Decrypt(View(c), s); });
  }
  // ---- store
  static vsecm_status Put(void* i, vsecm_bytes n, vsecm_bytes c, vsecm_error* e) noexcept {
    return Guard(e, [&] { return Self(i)->Put(AsText(n), View(c)); });
  }
  static vsecm_status Get(void* i, vsecm_bytes n, vsecm_sink o, vsecm_error* e) noexcept {
    return Guard(e, [&] { Sink s(o); return Self(i)->Get(AsText(n), s); });
  }
  static vsecm_status Remove(void* i, vsecm_bytes n, vsecm_error* e) noexcept {
    return Guard(e, [&] { return Self(i)->Remove(AsText(n)); });
  }
  static vsecm_status SetKey(void* i, vsecm_bytes k, vsecm_error* e) noexcept {
    return Guard(e, [&] { return Self(i)->SetKey(View(k)); });
  }
  static vsecm_status List(void* i, vsecm_name_visitor v, vsecm_error* e) noexcept {
    return Guard(e, [&] {
      return Self(i)->List([&](std::string_view name) {
        vsecm_status s = v.visit(v.ctx_host, ToC(name));
        return s == VSECM_OK ? Status::Ok()
                             : Status(StatusCodeFromC(s), "the host stopped the listing");
      });
    });
  }
  // ---- transform
  static vsecm_status Apply(void* i, vsecm_bytes v, vsecm_bytes t, vsecm_bytes f, vsecm_sink o,
                            vsecm_error* e) noexcept {
    return Guard(e, [&] { Sink s(o); return Self(i)->Apply(View(v), AsText(t), AsText(f), s); });
  }

  // Exactly one kind, named by the base class: a class that derives from PluginBase alone (or
  // from two kinds) is refused at compile time rather than exported as a transform.
  static constexpr int kKindCount = int{std::is_base_of_v<CryptoPlugin, Impl>} +
                                    int{std::is_base_of_v<StorePlugin, Impl>} +
                                    int{std::is_base_of_v<TransformPlugin, Impl>};
  static_assert(kKindCount == 1,
                "a plugin derives from exactly one of CryptoPlugin, StorePlugin, TransformPlugin");
  static constexpr vsecm_plugin_kind Kind() {
    if constexpr (std::is_base_of_v<CryptoPlugin, Impl>) return VSECM_KIND_CRYPTO;
    else if constexpr (std::is_base_of_v<StorePlugin, Impl>) return VSECM_KIND_STORE;
    else return VSECM_KIND_TRANSFORM;
  }

  static const void* Functions() {
    if constexpr (Kind() == VSECM_KIND_CRYPTO) {
      static const vsecm_crypto_v1 table = {sizeof(vsecm_crypto_v1), Impl::kAlgorithm, &SetKeys,
                                            &Encrypt, &Decrypt, {}};
      return &table;
    } else if constexpr (Kind() == VSECM_KIND_STORE) {
      static const vsecm_store_v1 table = {sizeof(vsecm_store_v1), &Put, &Get, &Remove, &List,
                                           &SetKey, {}};
      return &table;
    } else {
      static const vsecm_transform_v1 table = {sizeof(vsecm_transform_v1), &Apply, {}};
      return &table;
    }
  }

  static const vsecm_plugin_descriptor* Descriptor() {
    static_assert(std::is_base_of_v<PluginBase, Impl>,
                  "a plugin derives from CryptoPlugin, StorePlugin or TransformPlugin");
    static_assert(std::is_constructible_v<Impl, Host>, "a plugin is constructible from a Host");
    const vsecm_config_field* fields = nullptr;
    uint32_t field_count = 0;
    if constexpr (HasConfig<Impl>) {
      fields = Impl::kConfig;
      field_count = static_cast<uint32_t>(std::size(Impl::kConfig));
    }
    uint32_t flags = 0;
    if constexpr (HasFlags<Impl>) flags = Impl::kFlags;
    static const vsecm_plugin_descriptor descriptor = {
        sizeof(vsecm_plugin_descriptor), VSECM_ABI_VERSION_MAJOR, VSECM_ABI_VERSION_MINOR,
        Kind(), flags, Impl::kName, Impl::kVersion, Impl::kDescription, fields, field_count,
        &Create, &Destroy, Functions(), {}};
    return &descriptor;
  }
};

}  // namespace detail
}  // namespace vsecm::sdk

// Exports `Impl` as this shared object's plugin. Use once per plugin library.
#define VSECM_DEFINE_PLUGIN(Impl)                                                      \
  extern "C" VSECM_PLUGIN_EXPORT const vsecm_plugin_descriptor* vsecm_plugin_entry_v1( \
      void) {                                                                          \
    return ::vsecm::sdk::detail::Exported<Impl>::Descriptor();                         \
  }

#endif  // VSECM_SDK_PLUGIN_HPP_
