#include "transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

#include "vsecm/secure_http/secret_body.hpp"
#include "vsecm/identity/tls.hpp"

namespace vsecm::client::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using secure_http::SecretBody;

class TlsContext {
 public:
  asio::ssl::context context{asio::ssl::context::tls_client};
  std::shared_ptr<identity::IdentitySource> source;  // the SVID the context presents
};

StatusOr<std::shared_ptr<TlsContext>> NewTlsContext(
    std::shared_ptr<identity::IdentitySource> source, const identity::RoleMatcher& roles) {
  auto tls = std::make_shared<TlsContext>();
  identity::PeerPolicy policy;
  policy.trust_domain = roles.trust_domain();
  policy.authorize = identity::ExpectSafe(roles);
  tls->source = source;
  VSECM_RETURN_IF_ERROR(identity::ConfigureClientContext(tls->context.native_handle(),
                                                         std::move(source), std::move(policy)));
  return tls;
}

namespace {

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool IsSslError(const beast::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category();
}

// A TLS alert the peer sent us (OpenSSL reports alerts as reasons above SSL_AD_REASON_OFFSET).
bool IsPeerAlert(const beast::error_code& ec) {
  return IsSslError(ec) && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) >=
                               SSL_AD_REASON_OFFSET;
}

}  // namespace

struct Transport::Impl {
  TransportConfig config;
  std::shared_ptr<TlsContext> tls;
  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  std::unique_ptr<Stream> stream;
  uint64_t stream_generation = 0;  // the SVID generation `stream` was opened with
  secure_http::SecureFlatBuffer buffer;
  std::atomic<bool> interrupted{false};

  Impl(TransportConfig c, std::shared_ptr<TlsContext> t) : config(std::move(c)), tls(std::move(t)) {}
  ~Impl() { Disconnect(); }

  const std::string& url() const { return config.endpoint.url; }

  // Starts one asynchronous operation and runs the io_context until no work is left, so every
  // handler (and every timer) has finished before the locals it refers to go away. Time limits
  // are the streams' expiry timers; Interrupt() closes the socket from another thread.
  template <class Start>
  beast::error_code Run(Start&& start) {
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result.value_or(asio::error::operation_aborted);
  }

  // Runs on the io_context's thread (posted by Interrupt).
  void CancelAll() {
    resolver.cancel();
    if (stream) beast::get_lowest_layer(*stream).close();
  }

  // Without close_notify: every HTTP message is delimited, so the Safe loses nothing, and
  // waiting for its answer to close_notify would only delay the caller.
  void Disconnect() {
    if (!stream) return;
    beast::get_lowest_layer(*stream).close();
    ioc.restart();
    ioc.run();
    stream.reset();
    buffer.clear();
  }

  Status Interrupted() const { return Unavailable("the call to the Safe at " + url() + " was interrupted"); }

  Status Connect() {
    const auto limit = config.connect_timeout;
    tcp::resolver::results_type endpoints;
    asio::steady_timer timer(ioc);
    bool resolve_timed_out = false;
    beast::error_code ec = Run([&](auto handler) {
      timer.expires_after(limit);
      timer.async_wait([&](beast::error_code e) {
        if (!e) {
          resolve_timed_out = true;
          resolver.cancel();
        }
      });
      resolver.async_resolve(config.endpoint.host, config.endpoint.port,
                             [&, handler](beast::error_code e, tcp::resolver::results_type r) mutable {
                               timer.cancel();
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (interrupted) return Interrupted();
    if (ec) {
      return Unavailable(fmt::format("cannot reach the Safe at {}: cannot resolve \"{}\": {}", url(),
                                     config.endpoint.host,
                                     resolve_timed_out ? "timed out" : ec.message()));
    }
    stream = std::make_unique<Stream>(ioc, tls->context);
    buffer.clear();
    if (!IsIpLiteral(config.endpoint.host)) {
      SSL_set_tlsext_host_name(stream->native_handle(), config.endpoint.host.c_str());
    }
    auto& tcp_stream = beast::get_lowest_layer(*stream);
    tcp_stream.expires_after(limit);
    ec = Run([&](auto handler) { tcp_stream.async_connect(endpoints, handler); });
    if (interrupted) return Interrupted();
    if (ec) {
      Disconnect();
      return Unavailable(fmt::format("cannot reach the Safe at {}: {}", url(),
                                     ec == beast::error::timeout
                                         ? fmt::format("timed out after {} ms", limit.count())
                                         : ec.message()));
    }
    tcp_stream.expires_after(limit);
    ec = Run([&](auto handler) { stream->async_handshake(asio::ssl::stream_base::client, handler); });
    if (interrupted) return Interrupted();
    if (ec) {
      Status s = HandshakeFailure(ec);
      Disconnect();
      return s;
    }
    return Status::Ok();
  }

  Status HandshakeFailure(const beast::error_code& ec) {
    SSL* ssl = stream->native_handle();
    const long verify = SSL_get_verify_result(ssl);
    std::string reason = identity::HandshakeFailureReason(ssl);
    if (reason == "the handshake failed") reason = ec.message();
    if (ec == beast::error::timeout) {
      return Unavailable(fmt::format("TLS handshake with the Safe at {} timed out after {} ms",
                                     url(), config.connect_timeout.count()));
    }
    if (!IsSslError(ec)) {
      return Unavailable(fmt::format("TLS handshake with the Safe at {} failed: {}", url(),
                                     ec.message()));
    }
    if (verify != X509_V_OK ||
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      return PermissionDenied(
          fmt::format("TLS handshake failed: the server at {} is not a Safe we trust: {}", url(),
                      reason));
    }
    if (IsPeerAlert(ec)) {
      return PermissionDenied(fmt::format(
          "TLS handshake failed: the Safe at {} refused our client certificate: {}", url(),
          ec.message()));
    }
    return FailedPrecondition(
        fmt::format("TLS handshake with the Safe at {} failed: {}", url(), reason));
  }

  Status IoFailure(const beast::error_code& ec, std::string_view doing) {
    if (interrupted) return Interrupted();
    if (IsPeerAlert(ec)) {
      // TLS 1.3: the Safe checks our certificate after our side of the handshake finished.
      return PermissionDenied(fmt::format("the Safe at {} refused our client certificate: {}",
                                          url(), ec.message()));
    }
    if (ec == beast::error::timeout) {
      return Unavailable(fmt::format("the Safe at {} did not answer within {} ms", url(),
                                     config.request_timeout.count()));
    }
    if (ec == http::error::body_limit) {
      return ResourceExhausted(fmt::format("the Safe's answer is larger than {} bytes",
                                           config.max_response_bytes));
    }
    return Unavailable(
        fmt::format("lost the connection to the Safe at {} while {}: {}", url(), doing, ec.message()));
  }

  // A failure on a connection that carried earlier requests: the Safe may have closed it
  // while idle, so one fresh connection is worth a try.
  static bool StaleConnection(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
  }

  StatusOr<HttpReply> Exchange(Method method, std::string_view path,
                               const kernel::SecretBytes* body) {
    const http::verb verb = method == Method::kGet    ? http::verb::get
                            : method == Method::kPost ? http::verb::post
                                                      : http::verb::delete_;
    const std::string target = config.endpoint.base_path + std::string(path);
    std::string host = config.endpoint.host.find(':') != std::string::npos
                           ? "[" + config.endpoint.host + "]"
                           : config.endpoint.host;
    if (config.endpoint.port != "443") host += ":" + config.endpoint.port;

    for (int attempt = 0;; ++attempt) {
      if (interrupted) return Interrupted();
      // A kept-alive connection still presents the SVID it was opened with; once ours rotated,
      // the Safe refuses that one (it rechecks expiry and the bundle on every request).
      const uint64_t generation = tls->source != nullptr ? tls->source->generation() : 0;
      if (stream != nullptr && generation != stream_generation) Disconnect();
      const bool reused = stream != nullptr;
      if (!reused) {
        VSECM_RETURN_IF_ERROR(Connect());
        stream_generation = generation;
      }

      http::request<SecretBody> request{verb, target, 11};
      request.set(http::field::host, host);
      request.set(http::field::user_agent, "vsecm-client");
      request.set(http::field::accept, "application/json, text/plain");
      request.keep_alive(true);
      if (body != nullptr) {
        request.set(http::field::content_type, "application/json");
        request.body() = body->Clone();
      }
      request.prepare_payload();

      // One secure buffer: written as Beast's header and body buffers, the body would be
      // coalesced into ssl_stream's ordinary heap buffer first (see SerializeToSecret).
      const kernel::SecretBytes wire = secure_http::SerializeToSecret(request);
      auto& tcp_stream = beast::get_lowest_layer(*stream);
      tcp_stream.expires_after(config.request_timeout);
      beast::error_code ec = Run([&](auto handler) {
        asio::async_write(*stream, asio::buffer(wire.Expose().data(), wire.size()), handler);
      });
      http::response_parser<SecretBody> parser;
      if (!ec) {
        parser.body_limit(config.max_response_bytes);
        tcp_stream.expires_after(config.request_timeout);
        ec = Run([&](auto handler) { http::async_read(*stream, buffer, parser, handler); });
      }
      if (ec) {
        Status failure = IoFailure(ec, parser.got_some() ? "reading the answer" : "sending the request");
        Disconnect();
        if (reused && attempt == 0 && !parser.got_some() && StaleConnection(ec) && !interrupted) {
          continue;
        }
        return failure;
      }
      tcp_stream.expires_never();
      // The answer may hold a secret: free (and so wipe) what the read buffer kept of it.
      if (buffer.size() == 0) buffer.shrink_to_fit();
      HttpReply reply;
      reply.status = parser.get().result_int();
      const bool keep_alive = parser.get().keep_alive();
      reply.body = std::move(parser.get().body());
      if (!keep_alive) Disconnect();
      return reply;
    }
  }
};

Transport::Transport(TransportConfig config, std::shared_ptr<TlsContext> tls)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(tls))) {}

Transport::~Transport() = default;

StatusOr<HttpReply> Transport::Exchange(Method method, std::string_view path,
                                        const kernel::SecretBytes* body) {
  return impl_->Exchange(method, path, body);
}

void Transport::Interrupt() {
  if (impl_->interrupted.exchange(true)) return;
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] { impl->CancelAll(); });
}

}  // namespace vsecm::client::internal
