// Many concurrent mutual-TLS connections from one test process to the Safe, on Boost.Beast:
// one io_context driven by the calling thread, every connection asynchronous. The client
// presents a workload's SVID (read with the identity library's SvidFileSource) and checks that
// the server is the Safe, as a real workload would. Held connections can also be sent raw
// bytes (malformed requests, bodies that never end) and watched until the server closes them.
#ifndef VSECM_TESTS_SAFE_MTLS_CONNECTIONS_HPP_
#define VSECM_TESTS_SAFE_MTLS_CONNECTIONS_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "vsecm/identity/svid_files.hpp"
#include "vsecm/identity/tls.hpp"

namespace vsecm::testing {

class MtlsConnections {
 public:
  struct Answer {
    int status = 0;
    std::string body;
    bool keep_alive = false;
  };

  struct Connection {
    Connection(boost::asio::io_context& io, boost::asio::ssl::context& tls) : stream(io, tls) {}
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::empty_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;
    bool connected = false;   // the TCP connection was established
    bool handshaken = false;  // the TLS handshake completed
    int status = 0;           // of the last answer; 0: no HTTP answer
    std::string body;
    bool keep_alive = false;  // the last answer did not say Connection: close
    std::vector<Answer> answers;  // SendOnHeld: every answer, in order
    bool closed = false;          // SendOnHeld: the server closed the connection after them
    boost::system::error_code error;  // why the last step failed
  };

  // How a batch went: `ok` passed, the rest failed, with their errors counted by message.
  struct Outcome {
    size_t ok = 0, failed = 0;
    std::chrono::milliseconds took{0};
    std::map<std::string, size_t> errors;
    std::string Errors() const {
      std::string out;
      for (const auto& [why, n] : errors) out += std::to_string(n) + " × " + why + "; ";
      return out;
    }
  };

  using AnswerCheck = std::function<bool(int status, const std::string& body)>;

  // The client's SVID in `svid_dir`; the server must present the Safe's SPIFFE ID.
  static StatusOr<std::unique_ptr<MtlsConnections>> Create(const std::string& svid_dir,
                                                           boost::asio::ip::tcp::endpoint server) {
    std::shared_ptr<identity::IdentitySource> source = identity::SvidFileSource::Open(svid_dir);
    auto is_safe = identity::ExpectSpiffeIdPattern("spiffe://vsecm\\.com/workload/vsecm-safe/.*");
    if (!is_safe.ok()) return is_safe.status();
    auto ctx = identity::NewClientContext(source, {"vsecm.com", std::move(*is_safe)});
    if (!ctx.ok()) return ctx.status();
    return std::unique_ptr<MtlsConnections>(new MtlsConnections(ctx->release(), server));
  }

  // Opens `n` more connections to hold (TCP connect + TLS handshake), `window` at a time.
  Outcome Open(size_t n, size_t window = 100) {
    std::vector<Connection*> batch;
    for (size_t i = 0; i < n; ++i) {
      held_.push_back(std::make_unique<Connection>(io_, tls_));
      batch.push_back(held_.back().get());
    }
    return RunBatch(batch, window, [this](Connection& c, std::function<void()> done) {
      Connect(c, std::move(done));
    }, [](const Connection& c) { return c.handshaken; });
  }

  // A GET of `path` on every held connection at once (keep-alive).
  Outcome GetOnHeld(const std::string& path, const AnswerCheck& check) {
    std::vector<Connection*> batch;
    for (auto& c : held_) batch.push_back(c.get());
    return RunBatch(batch, batch.size(), [this, path](Connection& c, std::function<void()> done) {
      Exchange(c, path, std::move(done));
    }, [&check](const Connection& c) { return c.status != 0 && check(c.status, c.body); });
  }

  // On every held connection at once: writes `bytes[i % bytes.size()]` (nothing when empty)
  // while reading every answer, until the server closes the connection, `max_answers` came, or
  // the client's time-out. `check` decides which passed.
  using ConnectionCheck = std::function<bool(const Connection&)>;
  Outcome SendOnHeld(std::vector<std::string> bytes, const ConnectionCheck& check,
                     size_t max_answers = SIZE_MAX) {
    max_answers_ = max_answers;
    auto shared = std::make_shared<const std::vector<std::string>>(std::move(bytes));
    std::vector<Connection*> batch;
    for (auto& c : held_) batch.push_back(c.get());
    size_t next = 0;
    return RunBatch(batch, batch.size(), [this, shared, &next](Connection& c, std::function<void()> done) {
      const std::string* bytes = shared->empty() ? nullptr : &(*shared)[next++ % shared->size()];
      Send(c, shared, bytes, std::move(done));
    }, check);
  }

  // `n` fresh connections at once, each: connect, handshake, GET `path`, then close. They stay
  // readable in last_tries() until the next Try.
  Outcome Try(size_t n, const std::string& path, const AnswerCheck& check) {
    tried_.clear();
    std::vector<Connection*> batch;
    for (size_t i = 0; i < n; ++i) {
      tried_.push_back(std::make_unique<Connection>(io_, tls_));
      batch.push_back(tried_.back().get());
    }
    Outcome outcome = RunBatch(batch, n, [this, path](Connection& c, std::function<void()> done) {
      Connect(c, [this, &c, path, done] {
        if (!c.handshaken) return done();
        Exchange(c, path, done);
      });
    }, [&check](const Connection& c) { return c.status != 0 && check(c.status, c.body); });
    for (Connection* c : batch) CloseTcp(*c);
    return outcome;
  }

  // Closes the first `n` held connections (TCP only, as a crashed client would).
  void CloseHeld(size_t n) {
    n = std::min(n, held_.size());
    for (size_t i = 0; i < n; ++i) CloseTcp(*held_[i]);
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
  }

  size_t held() const { return held_.size(); }
  const std::vector<std::unique_ptr<Connection>>& held_connections() const { return held_; }
  const std::vector<std::unique_ptr<Connection>>& last_tries() const { return tried_; }

 private:
  MtlsConnections(SSL_CTX* ctx, boost::asio::ip::tcp::endpoint server)
      : tls_(ctx), server_(std::move(server)) {}

  static constexpr std::chrono::seconds kTimeout{30};

  void Connect(Connection& c, std::function<void()> done) {
    auto& tcp = boost::beast::get_lowest_layer(c.stream);
    tcp.expires_after(kTimeout);
    tcp.async_connect(server_, [&c, done](boost::system::error_code ec) {
      if (ec) {
        c.error = ec;
        return done();
      }
      c.connected = true;
      boost::beast::get_lowest_layer(c.stream).expires_after(kTimeout);
      c.stream.async_handshake(boost::asio::ssl::stream_base::client,
                               [&c, done](boost::system::error_code ec) {
        boost::beast::get_lowest_layer(c.stream).expires_never();
        c.error = ec;
        c.handshaken = !ec;
        done();
      });
    });
  }

  void Exchange(Connection& c, const std::string& path, std::function<void()> done) {
    namespace http = boost::beast::http;
    c.request = {http::verb::get, path, 11};
    c.request.set(http::field::host, server_.address().to_string());
    c.request.keep_alive(true);
    c.response = {};
    c.status = 0;
    c.body.clear();
    boost::beast::get_lowest_layer(c.stream).expires_after(kTimeout);
    http::async_write(c.stream, c.request, [&c, done](boost::system::error_code ec, size_t) {
      if (ec) {
        c.error = ec;
        return done();
      }
      http::async_read(c.stream, c.buffer, c.response,
                       [&c, done](boost::system::error_code ec, size_t) {
        boost::beast::get_lowest_layer(c.stream).expires_never();
        c.error = ec;
        if (!ec) {
          c.status = static_cast<int>(c.response.result_int());
          c.body = c.response.body();
          c.keep_alive = c.response.keep_alive();
        }
        done();
      });
    });
  }

  // The server ended the connection (with or without TLS close_notify), rather than the
  // client timing out.
  static bool ClosedByServer(const boost::system::error_code& ec) {
    return ec == boost::asio::error::eof || ec == boost::beast::http::error::end_of_stream ||
           ec == boost::asio::ssl::error::stream_truncated ||
           ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe;
  }

  void Send(Connection& c, std::shared_ptr<const std::vector<std::string>> keep,
            const std::string* bytes, std::function<void()> done) {
    c.answers.clear();
    c.closed = false;
    c.error = {};
    // Done once the reading has ended and the writing too.
    auto pending = std::make_shared<int>(bytes == nullptr ? 1 : 2);
    auto finish = [pending, done] {
      if (--*pending == 0) done();
    };
    boost::beast::get_lowest_layer(c.stream).expires_after(kTimeout);
    if (bytes != nullptr) {
      boost::asio::async_write(c.stream, boost::asio::buffer(*bytes),
                               [keep, finish](boost::system::error_code, size_t) { finish(); });
    }
    ReadAnswers(c, finish);
  }

  void ReadAnswers(Connection& c, std::function<void()> done) {
    namespace http = boost::beast::http;
    c.response = {};
    http::async_read(c.stream, c.buffer, c.response, [this, &c, done](boost::system::error_code ec, size_t) {
      if (ec) {
        c.error = ec;
        c.closed = ClosedByServer(ec);
        boost::beast::get_lowest_layer(c.stream).expires_never();
        return done();
      }
      c.answers.push_back({static_cast<int>(c.response.result_int()), c.response.body(),
                           c.response.keep_alive()});
      if (c.answers.size() >= max_answers_) {
        boost::beast::get_lowest_layer(c.stream).expires_never();
        return done();
      }
      ReadAnswers(c, done);
    });
  }

  static void CloseTcp(Connection& c) {
    boost::system::error_code ignored;
    auto& socket = boost::beast::get_lowest_layer(c.stream).socket();
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // Starts `step` on each connection, at most `window` unfinished at a time, and runs the
  // io_context until every one has finished.
  Outcome RunBatch(const std::vector<Connection*>& batch, size_t window,
                   const std::function<void(Connection&, std::function<void()>)>& step,
                   const std::function<bool(const Connection&)>& passed) {
    auto start = std::chrono::steady_clock::now();
    size_t next = 0, in_flight = 0;
    std::function<void()> launch = [&] {
      while (in_flight < std::max<size_t>(window, 1) && next < batch.size()) {
        ++in_flight;
        step(*batch[next++], [&] {
          --in_flight;
          launch();
        });
      }
    };
    io_.restart();
    launch();
    io_.run();
    Outcome outcome;
    outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    for (const Connection* c : batch) {
      if (passed(*c)) {
        ++outcome.ok;
      } else {
        ++outcome.failed;
        ++outcome.errors[c->error ? c->error.message()
                                  : "answer " + std::to_string(c->status) + " failed the check"];
      }
    }
    return outcome;
  }

  size_t max_answers_ = SIZE_MAX;  // of the SendOnHeld in progress
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;  // owns the SSL_CTX
  boost::asio::ip::tcp::endpoint server_;
  std::vector<std::unique_ptr<Connection>> held_, tried_;  // before io_ and tls_ go
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SAFE_MTLS_CONNECTIONS_HPP_
