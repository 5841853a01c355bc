// HTTPS over Boost.Beast with Asio's OpenSSL streams. Each connection owns an io_context and
// runs its asynchronous operations to completion on the calling thread, which is how Beast
// gives synchronous code a deadline (tcp_stream::expires_at covers every layered operation).
#include "vsecm/k8s/https_client.hpp"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace vsecm::k8s {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

using Fields = http::basic_fields<WipingAllocator<char>>;
using Body = http::basic_string_body<char, std::char_traits<char>, WipingAllocator<char>>;
using Buffer = beast::basic_flat_buffer<WipingAllocator<char>>;
using Clock = std::chrono::steady_clock;

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

http::verb VerbOf(std::string_view method) {
  return http::string_to_verb(beast::string_view(method.data(), method.size()));
}

}  // namespace

struct HttpsClient::Impl {
  ssl::context ctx{ssl::context::tls_client};
  std::string host;
  std::string port;
  std::string verify_name;
  std::string host_header;
  bool verify_ip = false;
  bool host_is_ip = false;
  uint16_t port_number = 443;
  Options options;
};

struct HttpsClient::Connection {
  explicit Connection(ssl::context& ctx) : stream(ioc, ctx) {}
  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream;
  Buffer buffer;
  bool reused = false;

  // Runs the operation started by `start` until it completes; returns its error code.
  template <class Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

StatusOr<std::unique_ptr<HttpsClient>> HttpsClient::Create(const ClusterConfig& config,
                                                           Options options) {
  if (config.host.empty()) return InvalidArgument("kubernetes api server: no host configured");
  if (config.port.empty() || config.port.size() > 5 ||
      config.port.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("kubernetes api server: the port is not a number");
  }
  std::unique_ptr<HttpsClient> client(new HttpsClient());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->host = config.host;
  impl->port = config.port;
  impl->verify_name = config.tls_server_name.empty() ? config.host : config.tls_server_name;
  impl->verify_ip = IsIpLiteral(impl->verify_name);
  impl->host_is_ip = IsIpLiteral(config.host);
  impl->port_number = static_cast<uint16_t>(std::stoi(config.port));
  const bool v6 = config.host.find(':') != std::string::npos;
  impl->host_header = v6 ? "[" + config.host + "]" : config.host;
  if (config.port != "443") impl->host_header += ":" + config.port;
  client->server_ = config.ServerUrl();

  SSL_CTX* native = impl->ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // OpenSSL's record buffers hold decrypted response bytes; wipe them after use.
  SSL_CTX_set_options(native, SSL_OP_CLEANSE_PLAINTEXT | SSL_OP_NO_COMPRESSION |
                                  SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  impl->ctx.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (config.ca_pem.empty()) {
    impl->ctx.set_default_verify_paths(ec);
    if (ec) return InvalidArgument("kubernetes api server: cannot load the system CA certificates");
  } else {
    impl->ctx.add_certificate_authority(net::buffer(config.ca_pem), ec);
    if (ec) {
      return InvalidArgument(fmt::format("{}: the certificate authority is not a PEM certificate "
                                         "bundle ({})", config.source, ec.message()));
    }
  }
  if (!config.client_cert_pem.empty()) {
    impl->ctx.use_certificate_chain(net::buffer(config.client_cert_pem), ec);
    if (ec) {
      return InvalidArgument(fmt::format("{}: the client certificate is not PEM ({})",
                                         config.source, ec.message()));
    }
    const auto key = config.client_key_pem.Expose();
    impl->ctx.use_private_key(net::buffer(key.data(), key.size()), ssl::context::pem, ec);
    if (ec) {
      return InvalidArgument(fmt::format(
          "{}: the client key is not a PEM private key matching the certificate", config.source));
    }
  }
  client->impl_ = std::move(impl);
  return client;
}

HttpsClient::~HttpsClient() = default;

std::unique_ptr<HttpsClient::Connection> HttpsClient::TakeIdle() {
  std::lock_guard lock(idle_mu_);
  if (idle_.empty()) return nullptr;
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void HttpsClient::ReturnIdle(std::unique_ptr<Connection> connection) {
  // Drop what the buffer held (it may be a response with secret data) before parking.
  connection->buffer.consume(connection->buffer.size());
  connection->buffer.shrink_to_fit();
  connection->reused = true;
  std::lock_guard lock(idle_mu_);
  if (idle_.size() < impl_->options.max_idle_connections) idle_.push_back(std::move(connection));
}

StatusOr<HttpResponse> HttpsClient::Send(const HttpRequest& request, std::string_view bearer,
                                         TransportError* failure,
                                         std::optional<std::chrono::milliseconds> timeout) {
  const Impl& impl = *impl_;
  TransportError local;
  TransportError& fail = failure != nullptr ? *failure : local;
  fail = {};
  const auto where = [&](std::string_view what, const beast::error_code& ec) {
    return fmt::format("{} {}{}: {}: {}", request.method, server_, request.target, what,
                       ec.message());
  };
  // One deadline for the whole exchange, the replay on a stale connection included.
  const auto budget = std::max(std::chrono::milliseconds(1),
                               timeout ? std::min(*timeout, impl.options.timeout)
                                       : impl.options.timeout);
  const auto deadline = Clock::now() + budget;
  const auto timed_out = [&](std::string_view during) {
    return Unavailable(fmt::format("{} {}{}: timed out {}: no complete answer within the "
                                   "request deadline of {} ms",
                                   request.method, server_, request.target, during,
                                   budget.count()));
  };

  http::request<Body, Fields> req{VerbOf(request.method), request.target, 11};
  req.set(http::field::host, impl.host_header);
  req.set(http::field::user_agent, "vsecm-k8s/1");
  req.set(http::field::accept, beast::string_view(request.accept.data(), request.accept.size()));
  if (!bearer.empty()) {
    WipingString auth = "Bearer ";
    auth.append(bearer);
    req.set(http::field::authorization, beast::string_view(auth.data(), auth.size()));
    WipeString(auth);
  }
  if (!request.content_type.empty()) {
    req.set(http::field::content_type,
            beast::string_view(request.content_type.data(), request.content_type.size()));
  }
  req.body().assign(request.body.data(), request.body.size());
  req.keep_alive(true);
  req.prepare_payload();

  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Connection> c = round == 0 ? TakeIdle() : nullptr;
    if (c == nullptr) {
      c = std::make_unique<Connection>(impl_->ctx);
      std::vector<tcp::endpoint> endpoints;
      beast::error_code ec;
      if (impl.host_is_ip) {
        // An IP literal (in-cluster: KUBERNETES_SERVICE_HOST) needs no resolver thread.
        endpoints.emplace_back(net::ip::make_address(impl.host), impl.port_number);
      } else {
        tcp::resolver resolver(c->ioc);
        ec = c->Run([&](auto handler) {
          resolver.async_resolve(impl.host, impl.port,
                                 [&endpoints, handler](beast::error_code e,
                                                       tcp::resolver::results_type r) mutable {
                                   for (const auto& entry : r) endpoints.push_back(entry.endpoint());
                                   handler(e);
                                 });
        });
        if (ec) {
          fail = {TransportFailure::kRetryable, Unavailable(where("cannot resolve the host", ec))};
          return fail.status;
        }
      }
      beast::get_lowest_layer(c->stream).expires_at(deadline);
      ec = c->Run([&](auto handler) {
        beast::get_lowest_layer(c->stream).async_connect(
            endpoints, [handler](beast::error_code e, const tcp::endpoint&) mutable { handler(e); });
      });
      if (ec == beast::error::timeout) {
        fail = {TransportFailure::kRetryable, timed_out("connecting")};
        return fail.status;
      }
      if (ec) {
        fail = {TransportFailure::kRetryable, Unavailable(where("cannot connect", ec))};
        return fail.status;
      }
      // Requests are small and answered at once: do not let Nagle hold back the last segment.
      beast::get_lowest_layer(c->stream).socket().set_option(tcp::no_delay(true), ec);
      SSL* ssl = c->stream.native_handle();
      if (impl.verify_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), impl.verify_name.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, impl.verify_name.c_str());
        SSL_set1_host(ssl, impl.verify_name.c_str());
      }
      ec = c->Run([&](auto handler) {
        c->stream.async_handshake(ssl::stream_base::client, std::move(handler));
      });
      if (ec) {
        const long verify = SSL_get_verify_result(ssl);  // NOLINT(runtime/int)
        if (ec == beast::error::timeout) {
          fail = {TransportFailure::kRetryable, timed_out("in the tls handshake")};
        } else if (ec == net::error::connection_reset || ec == net::error::eof) {
          fail = {TransportFailure::kRetryable, Unavailable(where("tls handshake", ec))};
        } else if (verify != X509_V_OK) {
          fail = {TransportFailure::kPermanent,
                  Unavailable(fmt::format(
                      "tls handshake with {} failed: the server certificate was not accepted: "
                      "{} (is the configured certificate authority the cluster's, and is the "
                      "certificate issued for {}?)",
                      server_, X509_verify_cert_error_string(verify), impl.verify_name))};
        } else {
          fail = {TransportFailure::kPermanent,
                  Unavailable(fmt::format("tls handshake with {} failed: {}", server_,
                                          ec.message()))};
        }
        ERR_clear_error();
        return fail.status;
      }
    }

    beast::get_lowest_layer(c->stream).expires_at(deadline);
    beast::error_code ec =
        c->Run([&](auto handler) { http::async_write(c->stream, req, std::move(handler)); });
    const bool sent = !ec;
    http::response_parser<Body, WipingAllocator<char>> parser;
    parser.body_limit(impl.options.max_response_bytes);
    if (sent) {
      ec = c->Run([&](auto handler) {
        http::async_read(c->stream, c->buffer, parser, std::move(handler));
      });
    }
    if (ec) {
      // A kept-alive connection the server closed while idle: nothing was processed.
      const bool stale = c->reused && !parser.got_some() &&
                         (ec == http::error::end_of_stream || ec == net::error::eof ||
                          ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                          ec == net::ssl::error::stream_truncated);
      if (stale && round == 0) continue;
      ERR_clear_error();
      if (ec == beast::error::timeout) {
        fail = {TransportFailure::kRetryable,
                timed_out(!sent               ? "sending the request"
                          : parser.got_some() ? "reading the response"
                                              : "waiting for the response")};
        return fail.status;
      }
      if (ec.category() == net::error::get_ssl_category()) {
        fail = {TransportFailure::kPermanent,
                Unavailable(where("tls error", ec) +
                            " (the server ended the TLS session; does it require a client "
                            "certificate this configuration does not give?)")};
        return fail.status;
      }
      if (ec == http::error::body_limit) {
        fail = {TransportFailure::kPermanent,
                ResourceExhausted(where("the response is larger than allowed", ec))};
        return fail.status;
      }
      fail = {TransportFailure::kRetryable, Unavailable(where("exchange failed", ec))};
      return fail.status;
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      out.retry_after = std::string(it->value());
    }
    out.body = std::move(res.body());
    if (res.keep_alive()) ReturnIdle(std::move(c));
    return out;
  }
  fail = {TransportFailure::kRetryable, Unavailable(fmt::format(
                                            "{} {}{}: the connection closed twice", request.method,
                                            server_, request.target))};
  return fail.status;
}

}  // namespace vsecm::k8s
