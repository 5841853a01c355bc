// StoreHarness: loads a store plugin .so the way the Safe does (dlopen RTLD_NOW|RTLD_LOCAL, the
// one entry symbol, descriptor checks) and drives one instance through its C function table,
// with a FakeHost underneath. The conformance suite is built on it; a store's own tests can use
// it too.
//
//   auto library = StoreLibrary::Open("/path/vsecm-store-fs.so");   // StatusOr
//   auto store = StoreHarness::Create(*library, {{"path", dir}});    // StatusOr<unique_ptr>
//   ASSERT_TRUE((*store)->Put("db-password", bytes).ok());
//
// Libraries are opened once per path and never closed: unloading code that may have left
// thread-local destructors or OpenSSL state behind crashes at exit, and the Safe never unloads.
#ifndef VSECM_SDK_TESTING_STORE_HARNESS_HPP_
#define VSECM_SDK_TESTING_STORE_HARNESS_HPP_

#include <dlfcn.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/sdk/status.hpp"
#include "vsecm/sdk/testing/fake_host.hpp"

namespace vsecm::sdk::testing {

using Settings = std::map<std::string, std::string>;
using Bytes = std::vector<uint8_t>;

inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A loaded, checked store plugin library.
class StoreLibrary {
 public:
  // Opens `path` (cached per path) and checks the descriptor; the error says what is wrong.
  static StatusOr<const StoreLibrary*> Open(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<StoreLibrary>> cache;
    std::lock_guard lock(mutex);
    if (auto it = cache.find(path); it != cache.end()) return it->second.get();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* e = ::dlerror();
      return FailedPrecondition("cannot load " + path + ": " + (e ? e : "unknown error"));
    }
    void* sym = ::dlsym(handle, VSECM_PLUGIN_ENTRY_SYMBOL);
    if (sym == nullptr) return FailedPrecondition(path + " exports no " VSECM_PLUGIN_ENTRY_SYMBOL);
    auto lib = std::unique_ptr<StoreLibrary>(new StoreLibrary());
    lib->path_ = path;
    lib->descriptor_ = reinterpret_cast<vsecm_plugin_entry_fn>(sym)();
    VSECM_RETURN_IF_ERROR(lib->Check());
    return cache.emplace(path, std::move(lib)).first->second.get();
  }

  const std::string& path() const noexcept { return path_; }
  const vsecm_plugin_descriptor& descriptor() const noexcept { return *descriptor_; }
  const vsecm_store_v1& table() const noexcept {
    return *static_cast<const vsecm_store_v1*>(descriptor_->functions);
  }
  bool thread_safe() const noexcept {
    return (descriptor_->flags & VSECM_PLUGIN_FLAG_THREAD_SAFE) != 0;
  }
  bool takes_key() const noexcept {
    return VSECM_HAS_FIELD(&table(), vsecm_store_v1, set_key) && table().set_key != nullptr;
  }
  // The declared defaults overlaid with `settings`; an undeclared key is an error (a typo in a
  // test would otherwise silently test the default).
  StatusOr<Settings> Resolve(const Settings& settings) const {
    Settings out;
    for (uint32_t i = 0; i < descriptor_->config_field_count; ++i) {
      const vsecm_config_field& f = descriptor_->config_fields[i];
      if (f.default_value != nullptr) out[f.name] = f.default_value;
    }
    for (const auto& [key, value] : settings) {
      if (!Declares(key)) return InvalidArgument("the plugin declares no setting \"" + key + "\"");
      out[key] = value;
    }
    return out;
  }

 private:
  StoreLibrary() = default;

  bool Declares(const std::string& key) const {
    for (uint32_t i = 0; i < descriptor_->config_field_count; ++i) {
      if (key == descriptor_->config_fields[i].name) return true;
    }
    return false;
  }

  Status Check() const {
    const vsecm_plugin_descriptor* d = descriptor_;
    if (d == nullptr) return FailedPrecondition(path_ + ": the entry returned no descriptor");
    if (!VSECM_HAS_FIELD(d, vsecm_plugin_descriptor, functions)) {
      return FailedPrecondition(path_ + ": descriptor too small");
    }
    if (d->abi_major != VSECM_ABI_VERSION_MAJOR || d->abi_minor > VSECM_ABI_VERSION_MINOR) {
      return FailedPrecondition(path_ + ": built for ABI " + std::to_string(d->abi_major) + "." +
                                std::to_string(d->abi_minor));
    }
    if (d->kind != VSECM_KIND_STORE) return FailedPrecondition(path_ + ": not a store plugin");
    if (d->name == nullptr || d->version == nullptr || d->create == nullptr ||
        d->destroy == nullptr || d->functions == nullptr) {
      return FailedPrecondition(path_ + ": descriptor has null fields");
    }
    std::string file = path_.substr(path_.find_last_of('/') + 1);
    if (file != std::string(d->name) + ".so") {
      return FailedPrecondition(path_ + ": descriptor name \"" + d->name +
                                "\" does not match the file name");
    }
    const vsecm_store_v1& t = table();
    if (!VSECM_HAS_FIELD(&t, vsecm_store_v1, list) || t.put == nullptr || t.get == nullptr ||
        t.remove == nullptr || t.list == nullptr) {
      return FailedPrecondition(path_ + ": store function table incomplete");
    }
    return Status::Ok();
  }

  std::string path_;
  const vsecm_plugin_descriptor* descriptor_ = nullptr;
};

// The fixed key the conformance suite hands set_key (a store's own HKDF-derived key in the Safe).
inline constexpr std::array<uint8_t, 32> kConformanceStoreKey = {
    0x76, 0x73, 0x65, 0x63, 0x6d, 0x2d, 0x63, 0x6f, 0x6e, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x6e, 0x63,
    0x65, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x31, 0x9a, 0x3c, 0x55, 0xe1, 0x07, 0xb2, 0x4f, 0xd8};

// One live instance. Calls into a plugin without THREAD_SAFE are serialized, as the kernel does.
class StoreHarness {
 public:
  static constexpr size_t kDefaultMaxOutput = size_t{64} << 20;  // the kernel's limit

  // Creates an instance over `settings` (declared defaults filled in) and, when the plugin takes
  // a key, hands it kConformanceStoreKey.
  static StatusOr<std::unique_ptr<StoreHarness>> Create(const StoreLibrary& library,
                                                        const Settings& settings) {
    VSECM_ASSIGN_OR_RETURN(Settings resolved, library.Resolve(settings));
    auto h = std::unique_ptr<StoreHarness>(new StoreHarness(library, std::move(resolved)));
    ErrorBuffer err;
    vsecm_status s = library.descriptor().create(h->host_.api(), &h->instance_, err.c());
    if (s != VSECM_OK) return err.ToStatus(s, "create");
    if (library.takes_key()) {
      VSECM_RETURN_IF_ERROR(h->SetKey({kConformanceStoreKey.data(), kConformanceStoreKey.size()}));
    }
    return h;
  }
  ~StoreHarness() { DestroyInstance(); }
  StoreHarness(const StoreHarness&) = delete;
  StoreHarness& operator=(const StoreHarness&) = delete;

  // Destroys the instance but keeps the host, so a test can see what destroy left behind.
  void DestroyInstance() {
    if (instance_ != nullptr) library_.descriptor().destroy(instance_);
    instance_ = nullptr;
  }

  FakeHost& host() noexcept { return host_; }
  const StoreLibrary& library() const noexcept { return library_; }
  void set_max_output(size_t n) noexcept { max_output_ = n; }

  Status Put(std::string_view name, std::span<const uint8_t> value) {
    return Call("put", [&](vsecm_error* e) {
      return library_.table().put(instance_, Text(name), {value.data(), value.size()}, e);
    });
  }
  Status Put(std::string_view name, std::string_view value) {
    return Put(name, std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  }
  StatusOr<Bytes> Get(std::string_view name) {
    struct Out {
      Bytes bytes;
      size_t max;
    } out{{}, max_output_};
    vsecm_sink sink{sizeof(vsecm_sink), &out, [](void* ctx, size_t n) -> uint8_t* {
                      auto* o = static_cast<Out*>(ctx);
                      if (n > o->max - o->bytes.size()) return nullptr;
                      o->bytes.resize(o->bytes.size() + n);
                      return o->bytes.data() + o->bytes.size() - n;
                    }};
    Status s = Call("get", [&](vsecm_error* e) {
      return library_.table().get(instance_, Text(name), sink, e);
    });
    if (!s.ok()) return s;
    return std::move(out.bytes);
  }
  Status Remove(std::string_view name) {
    return Call("remove", [&](vsecm_error* e) {
      return library_.table().remove(instance_, Text(name), e);
    });
  }
  // Every listed name, in the store's order (duplicates kept, so a test can find them).
  StatusOr<std::vector<std::string>> List() {
    std::vector<std::string> names;
    VSECM_RETURN_IF_ERROR(ListWith([&](std::string_view n) {
      names.emplace_back(n);
      return VSECM_OK;
    }));
    return names;
  }
  Status ListWith(const std::function<vsecm_status(std::string_view)>& visit) {
    vsecm_name_visitor v{sizeof(vsecm_name_visitor), const_cast<void*>(static_cast<const void*>(&visit)),
                         [](void* ctx, vsecm_bytes name) -> vsecm_status {
                           const auto& f = *static_cast<const std::function<vsecm_status(std::string_view)>*>(ctx);
                           return f({reinterpret_cast<const char*>(name.data), name.len});
                         }};
    return Call("list", [&](vsecm_error* e) { return library_.table().list(instance_, v, e); });
  }
  Status SetKey(std::span<const uint8_t> key) {
    return Call("set_key", [&](vsecm_error* e) {
      return library_.table().set_key(instance_, {key.data(), key.size()}, e);
    });
  }

 private:
  // Error text from the plugin, guaranteed NUL-terminated and length-checked.
  struct ErrorBuffer {
    char buf[1024] = {};
    vsecm_error err{buf, sizeof buf, 0};
    vsecm_error* c() { return &err; }
    Status ToStatus(vsecm_status code, std::string_view op) const {
      std::string msg(buf, err.len < sizeof buf ? err.len : sizeof buf - 1);
      if (msg.empty()) msg = "(the plugin gave no message)";
      return Status(StatusCodeFromC(code), std::string(op) + ": " + msg);
    }
  };

  StoreHarness(const StoreLibrary& library, Settings settings)
      : library_(library), host_(std::move(settings)) {}

  static vsecm_bytes Text(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  template <class Fn>
  Status Call(std::string_view op, Fn&& fn) {
    ErrorBuffer err;
    vsecm_status s;
    if (library_.thread_safe()) {
      s = fn(err.c());
    } else {
      std::lock_guard lock(call_mutex_);
      s = fn(err.c());
    }
    if (s == VSECM_OK) return Status::Ok();
    return err.ToStatus(s, op);
  }

  const StoreLibrary& library_;
  FakeHost host_;
  void* instance_ = nullptr;
  size_t max_output_ = kDefaultMaxOutput;
  std::mutex call_mutex_;
};

}  // namespace vsecm::sdk::testing

#endif  // VSECM_SDK_TESTING_STORE_HARNESS_HPP_
