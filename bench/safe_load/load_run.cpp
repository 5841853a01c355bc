#include "load_run.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "tls_client.hpp"

namespace vsecm::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

void NoteError(ConnectionStats& stats, std::string what) {
  ++stats.errors;
  if (stats.first_error.empty()) stats.first_error = std::move(what);
}

void Record(const RunContext& run, ConnectionStats& stats, Clock::time_point start,
            Clock::time_point end) {
  if (end < run.measure_start || end > run.measure_end) return;
  stats.latency_ns.push_back(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()));
}

// After a failure, wait a little so a refusing server does not turn the loop into a spin.
asio::awaitable<void> Pause() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

// One connection issuing GETs back to back; reconnects if the server closes it.
asio::awaitable<void> KeepAliveLoop(RunContext& run, ConnectionStats& stats) {
  auto executor = co_await asio::this_coro::executor;
  while (run.Running()) {
    TlsStream stream(executor, *run.tls);
    boost::system::error_code ec;
    co_await ConnectTls(stream, run, ec);
    if (ec) {
      NoteError(stats, "connect or handshake: " + ec.message());
      CloseQuietly(stream);
      co_await Pause();
      continue;
    }
    beast::flat_buffer buffer;
    while (run.Running()) {
      run.issued.fetch_add(1, std::memory_order_relaxed);
      auto start = Clock::now();
      Answer answer = co_await Exchange(stream, buffer, run.request, run, ec);
      auto end = Clock::now();
      if (ec) {
        NoteError(stats, "request: " + ec.message());
        break;
      }
      if (answer.status != run.expect_status) {
        NoteError(stats, fmt::format("status {}", answer.status));
      } else {
        stats.body_bytes = answer.body_bytes;
        Record(run, stats, start, end);
      }
      if (!answer.keep_alive) {
        ++stats.reconnects;
        break;
      }
    }
    CloseQuietly(stream);
  }
}

// Connect, full handshake, one GET with "Connection: close", close; again until the end.
asio::awaitable<void> NewConnectionLoop(RunContext& run, ConnectionStats& stats) {
  auto executor = co_await asio::this_coro::executor;
  while (run.Running()) {
    run.issued.fetch_add(1, std::memory_order_relaxed);
    auto start = Clock::now();
    TlsStream stream(executor, *run.tls);
    boost::system::error_code ec;
    Answer answer;
    co_await ConnectTls(stream, run, ec);
    const char* step = "connect or handshake: ";
    if (!ec) {
      beast::flat_buffer buffer;
      answer = co_await Exchange(stream, buffer, run.last_request, run, ec);
      step = "request: ";
    }
    auto end = Clock::now();
    CloseQuietly(stream);
    if (ec) {
      NoteError(stats, step + ec.message());
      co_await Pause();
    } else if (answer.status != run.expect_status) {
      NoteError(stats, fmt::format("status {}", answer.status));
    } else {
      stats.body_bytes = answer.body_bytes;
      Record(run, stats, start, end);
    }
  }
}

// Stops the io_context if the loops have not all finished well after the deadline (a server
// that stopped answering and an operation stuck between its timeouts).
class Watchdog {
 public:
  Watchdog(asio::io_context& io, Clock::time_point deadline)
      : thread_([this, &io, deadline] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_until(lock, deadline, [this] { return done_; })) {
            fired_ = true;
            io.stop();
          }
        }) {}
  ~Watchdog() { Finish(); }
  void Finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() const { return fired_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

StatusOr<LoadReport> RunLoad(const LoadOptions& options) {
  VSECM_ASSIGN_OR_RETURN(std::unique_ptr<asio::ssl::context> tls, MakeClientContext(options));
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  RunContext run;
  run.tls = tls.get();
  run.endpoint = asio::ip::tcp::endpoint(asio::ip::make_address(options.host), options.port);
  run.verify_ip = options.host;
  std::string head = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: vsecm-safe-load\r\n",
                                 options.path, options.host, options.port);
  run.request = head + "\r\n";
  run.last_request = head + "Connection: close\r\n\r\n";
  run.io_timeout = options.io_timeout;
  run.expect_status = options.expect_status;
  run.max_requests = options.max_requests;

  std::vector<ConnectionStats> stats(static_cast<size_t>(options.connections));
  for (auto& s : stats) s.latency_ns.reserve(ConnectionStats::kReservedSamples);

  asio::io_context io(threads);
  run.measure_start = Clock::now() + options.warmup;
  run.measure_end = run.measure_start + options.duration;
  for (auto& s : stats) {
    auto loop = options.mode == LoadMode::kKeepAlive ? KeepAliveLoop(run, s) : NewConnectionLoop(run, s);
    asio::co_spawn(io, std::move(loop), [&s](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        NoteError(s, std::string("loop ended: ") + x.what());
      }
    });
  }
  Watchdog watchdog(io, run.measure_end + 2 * options.io_timeout + std::chrono::seconds(2));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  auto finished = std::min(Clock::now(), run.measure_end);
  watchdog.Finish();

  LoadReport report;
  report.latency = Summarize(stats);
  report.threads = threads;
  report.watchdog_fired = watchdog.fired();
  report.measured_s =
      std::max(0.0, std::chrono::duration<double>(finished - run.measure_start).count());
  report.rate = report.measured_s > 0 ? static_cast<double>(report.latency.count) / report.measured_s : 0;
  for (const auto& s : stats) {
    report.errors += s.errors;
    report.reconnects += s.reconnects;
    if (s.body_bytes != 0) report.body_bytes = s.body_bytes;
    if (report.first_error.empty()) report.first_error = s.first_error;
  }
  return report;
}

}  // namespace vsecm::bench
