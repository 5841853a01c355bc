// vsecm_store_bench: durable upserts per second of each store plugin, through the plugin C ABI
// (the SDK's StoreHarness: dlopen, descriptor, function table), next to the raw fsync rate of
// the same directory measured in the same run (write 100 bytes + fdatasync, in a loop),
// alternating with the store in short slices so that both see the same disk.
//
//   vsecm_store_bench [--dir DIR] [--plugin-dir DIR] [--seconds S] [--value-bytes N]
//                     [--names K] [--threads 1,8] [--stores fs,rocksdb,sqlcipher]
//
// Every put returns only once the store calls it durable, so a store's rate is bounded by how
// many fsyncs the disk does per second; the ratio column says how many puts each raw fsync buys
// (below 1: a put costs more than one sync; above 1 with several writers: syncs are shared).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "vsecm/sdk/testing/store_harness.hpp"

namespace {

namespace fs = std::filesystem;
namespace t = vsecm::sdk::testing;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir;
  std::string plugin_dir = VSECM_BENCH_PLUGIN_DIR;
  double seconds = 3.0;
  size_t value_bytes = 100;
  int names = 1000;
  std::vector<int> threads = {1, 8};
  std::vector<std::string> stores = {"fs", "rocksdb", "sqlcipher"};
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "vsecm_store_bench: %s\nusage: vsecm_store_bench [--dir DIR] [--plugin-dir DIR] "
               "[--seconds S] [--value-bytes N] [--names K] [--threads 1,8] "
               "[--stores fs,rocksdb,sqlcipher]\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value after " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--dir")
      o.dir = value;
    else if (flag == "--plugin-dir")
      o.plugin_dir = value;
    else if (flag == "--seconds")
      o.seconds = std::atof(value.c_str());
    else if (flag == "--value-bytes")
      o.value_bytes = std::strtoul(value.c_str(), nullptr, 10);
    else if (flag == "--names")
      o.names = std::atoi(value.c_str());
    else if (flag == "--stores")
      o.stores = Split(value);
    else if (flag == "--threads") {
      o.threads.clear();
      for (const std::string& n : Split(value)) o.threads.push_back(std::atoi(n.c_str()));
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (o.seconds <= 0 || o.names <= 0 || o.threads.empty()) Usage("bad option value");
  return o;
}

struct Count {
  uint64_t ops = 0;
  double seconds = 0;
  void Add(const Count& c) {
    ops += c.ops;
    seconds += c.seconds;
  }
  double rate() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
};

// The raw rate of the directory: one file, `bytes` appended and fdatasync'ed per round.
Count RawFsync(const std::string& dir, size_t bytes, double seconds) {
  const std::string file = dir + "/fsync-probe";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("open fsync-probe");
    std::exit(1);
  }
  std::vector<char> block(bytes, 'x');
  uint64_t rounds = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      std::perror("write/fdatasync");
      std::exit(1);
    }
    ++rounds;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  ::unlink(file.c_str());
  return {rounds, elapsed};
}

// `threads` writers upsert `names` records round-robin for `seconds`; counts acknowledged puts.
// The first failure is kept in `error` and stops the run.
Count RunStore(t::StoreHarness& store, const Options& o, int threads, double seconds,
               uint64_t* next, std::string* error) {
  std::vector<uint8_t> value(o.value_bytes);
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<uint8_t>(i * 131 + 7);
  std::atomic<uint64_t> puts{0}, counter{*next};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      while (Clock::now() < end && !failed) {
        const uint64_t n = counter++ % static_cast<uint64_t>(o.names);
        vsecm::Status s = store.Put("bench-" + std::to_string(n), value);
        if (!s.ok()) {
          std::lock_guard lock(error_mutex);
          if (error->empty()) *error = s.ToString();
          failed = true;
          return;
        }
        ++puts;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  *next = counter;
  return {puts, std::chrono::duration<double>(Clock::now() - start).count()};
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  std::string made_dir;
  if (o.dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "vsecm-store-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    o.dir = made_dir = tmpl;
  }
  fs::create_directories(o.dir);

  // A shared or virtual disk's fsync rate drifts by multiples within seconds, so the raw rate
  // and each store are measured in alternating slices of kSlice seconds: both see the same disk.
  constexpr double kSlice = 0.25;
  const int slices = std::max(1, static_cast<int>(o.seconds / (2 * kSlice) + 0.5));
  std::printf(
      "store benchmark: %zu-byte cipher texts, %d names, in %s\n"
      "each row alternates %d slices of %.2f s: raw fsync (write %zu bytes + fdatasync, "
      "one file, same directory), then upserts through the store plugin\n\n",
      o.value_bytes, o.names, o.dir.c_str(), slices, kSlice, o.value_bytes);
  std::printf("%-10s %8s %12s %14s %10s %12s\n", "store", "writers", "raw fsync/s", "upserts/s",
              "x fsync", "ms per put");

  static const std::map<std::string, std::pair<std::string, std::string>> kPlugins = {
      {"fs", {"vsecm-store-fs", "data"}},
      {"rocksdb", {"vsecm-store-rocksdb", "rocksdb"}},
      {"sqlcipher", {"vsecm-store-sqlcipher", "sqlcipher/vsecm.db"}}};
  int run = 0;
  for (const std::string& store_name : o.stores) {
    auto it = kPlugins.find(store_name);
    if (it == kPlugins.end()) Usage(("unknown store " + store_name).c_str());
    const char* label = store_name.c_str();
    const std::string path = o.plugin_dir + "/" + it->second.first + ".so";
    if (!fs::exists(path)) {
      std::printf("%-10s (not built: %s)\n", label, path.c_str());
      continue;
    }
    auto library = t::StoreLibrary::Open(path);
    if (!library.ok()) {
      std::printf("%-10s cannot load: %s\n", label, library.status().ToString().c_str());
      continue;
    }
    for (int threads : o.threads) {
      const std::string where = o.dir + "/run" + std::to_string(run++) + "/" + it->second.second;
      auto store = t::StoreHarness::Create(**library, {{"path", where}});
      if (!store.ok()) {
        std::printf("%-10s cannot create: %s\n", label, store.status().ToString().c_str());
        continue;
      }
      Count raw, puts;
      uint64_t next = 0;
      std::string error;
      for (int slice = 0; slice < slices && error.empty(); ++slice) {
        raw.Add(RawFsync(o.dir, o.value_bytes, kSlice));
        puts.Add(RunStore(**store, o, threads, kSlice, &next, &error));
      }
      if (!error.empty()) {
        std::printf("%-10s %8d failed: %s\n", label, threads, error.c_str());
        continue;
      }
      std::printf("%-10s %8d %12.0f %14.0f %9.2fx %12.3f\n", label, threads, raw.rate(),
                  puts.rate(), puts.rate() / raw.rate(),
                  1000.0 * threads / std::max(puts.rate(), 1e-9));
      std::fflush(stdout);
    }
  }
  if (!made_dir.empty()) fs::remove_all(made_dir);
  return 0;
}
