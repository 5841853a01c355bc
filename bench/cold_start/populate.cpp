#include "populate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/safe_kernel.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::bench {
namespace {

// Bulk loading test data is not an API decision anyone must answer for; a journal line per
// record would only make DIR/audit.jsonl as large as the store.
class DiscardAudit : public kernel::AuditSink {
 public:
  void Record(const kernel::AuditEvent&) override {}
};

// The root key file, read straight into secure memory.
StatusOr<kernel::RootKey> ReadRootKey(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound(fmt::format("{}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > 4096) {
    ::close(fd);
    return InvalidArgument(fmt::format("{}: not a root key file", path));
  }
  kernel::SecretBytes text(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, text.Mutable().data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return DataLoss(fmt::format("{}: short read", path));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  auto key = kernel::RootKey::Parse(text.Expose());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

kernel::ConfigValue Setting(std::string text) {
  return kernel::ConfigValue{std::move(text), kernel::ConfigValue::Kind::kString, "vsecm_cold_start"};
}

// A random value of letters and digits (so it is valid in any format), in secure memory.
StatusOr<kernel::SecretBytes> RandomValue(size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  kernel::SecretBytes value(size);
  auto bytes = value.Mutable();
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Internal("RAND_bytes failed");
  }
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(kAlphabet[b % (sizeof kAlphabet - 1)]);
  return value;
}

}  // namespace

Status Populate(const PopulateOptions& o) {
  kernel::KernelConfig config;
  config.mode = kernel::Mode::kDevelopment;  // as `vsecm-safe dev`
  config.source = "vsecm_cold_start";
  config.plugin_directory = o.plugin_dir;
  config.crypto.name = "vsecm-crypto-age";
  config.store.name = "vsecm-store-fs";
  config.store.settings["path"] = Setting(o.dir + "/data");
  kernel::SafeKernel::Options kernel_options;
  kernel_options.default_plugin_directory = o.plugin_dir;
  kernel_options.env = [](const char*) { return std::optional<std::string>(); };
  kernel_options.audit = std::make_unique<DiscardAudit>();
  VSECM_ASSIGN_OR_RETURN(auto safe, kernel::SafeKernel::Create(config, std::move(kernel_options)));
  VSECM_ASSIGN_OR_RETURN(kernel::RootKey root_key, ReadRootKey(o.dir + "/key.txt"));
  VSECM_RETURN_IF_ERROR(safe->InstallRootKey(root_key));

  const size_t batches = (o.count + o.batch - 1) / o.batch;
  std::atomic<size_t> next_batch{0}, written{0};
  std::mutex error_mutex;
  Status first_error;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    kernel::Caller caller{"vsecm_cold_start", kernel::NewCorrelationId()};
    for (size_t b = next_batch++; b < batches; b = next_batch++) {
      kernel::UpsertRequest request;
      size_t begin = o.first + b * o.batch;
      size_t end = std::min(o.first + o.count, begin + o.batch);
      for (size_t i = begin; i < end; ++i) request.workloads.push_back(fmt::format("{}{:07d}", o.prefix, i));
      auto value = RandomValue(o.value_bytes);
      Status s = value.ok() ? Status::Ok() : value.status();
      if (s.ok()) {
        request.values.push_back(std::move(value).value());
        s = safe->registry().Upsert(caller, request);
      }
      if (!s.ok()) {
        std::lock_guard lock(error_mutex);
        if (first_error.ok()) first_error = s.WithContext(fmt::format("records {}..{}", begin, end - 1));
        next_batch = batches;  // stop the other workers too
        return;
      }
      size_t total = written += end - begin;
      size_t step = std::max<size_t>(o.count / 10, 1);
      if ((total - (end - begin)) / step != total / step) {
        double s_elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        fmt::print("  {} of {} records ({:.0f}/s)\n", total, o.count, total / s_elapsed);
        std::fflush(stdout);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, o.threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  VSECM_RETURN_IF_ERROR(first_error);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("RESULT populate first={} count={} seconds={:.2f} rate={:.0f} held={}\n", o.first,
             o.count, seconds, o.count / seconds, safe->registry().size());
  return Status::Ok();
}

}  // namespace vsecm::bench
