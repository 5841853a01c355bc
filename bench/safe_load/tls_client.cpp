#include "tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>

namespace vsecm::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

StatusOr<std::unique_ptr<asio::ssl::context>> MakeClientContext(const LoadOptions& options) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = tls->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    return Internal("cannot restrict the client context to TLS 1.3");
  }
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(options.cert_file, ec);
  if (ec) return InvalidArgument(fmt::format("client certificate {}: {}", options.cert_file, ec.message()));
  tls->use_private_key_file(options.key_file, asio::ssl::context::pem, ec);
  if (ec) return InvalidArgument(fmt::format("client key {}: {}", options.key_file, ec.message()));
  tls->load_verify_file(options.ca_file, ec);
  if (ec) return InvalidArgument(fmt::format("trust bundle {}: {}", options.ca_file, ec.message()));
  tls->set_verify_mode(asio::ssl::verify_peer, ec);
  if (ec) return Internal(fmt::format("verify mode: {}", ec.message()));
  return tls;
}

asio::awaitable<void> ConnectTls(TlsStream& stream, const RunContext& run,
                                 boost::system::error_code& ec) {
  // The server's certificate must name the address we dialled, as a browser would check.
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, run.verify_ip.c_str()) != 1) {
    ec = asio::error::invalid_argument;
    co_return;
  }
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(run.io_timeout);
  co_await tcp.async_connect(run.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (ec) co_return;
  tcp.expires_after(run.io_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<Answer> Exchange(TlsStream& stream, beast::flat_buffer& buffer,
                                 const std::string& request, const RunContext& run,
                                 boost::system::error_code& ec) {
  Answer answer;
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(run.io_timeout);
  co_await asio::async_write(stream, asio::buffer(request),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return answer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return answer;
  const auto& response = parser.get();
  answer.status = static_cast<int>(response.result_int());
  answer.keep_alive = response.keep_alive();
  answer.body_bytes = response.body().size();
  co_return answer;
}

void CloseQuietly(TlsStream& stream) {
  boost::system::error_code ignored;
  auto& socket = beast::get_lowest_layer(stream).socket();
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace vsecm::bench
