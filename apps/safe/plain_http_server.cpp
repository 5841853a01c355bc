#include "plain_http_server.hpp"

#include <optional>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class PlainSession : public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, const PlainHandler& handler,
               std::shared_ptr<std::atomic<size_t>> open)
      : stream_(std::move(socket)), handler_(handler), open_(std::move(open)) {
    ++*open_;
  }
  ~PlainSession() { --*open_; }

  void Read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    stream_.expires_after(kPlainRequestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) return;  // a body (empty_body refuses one), a time-out, a malformed request: closed
    const auto& request = parser_->get();
    PlainResponse answer;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      answer = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      std::string_view target(request.target().data(), request.target().size());
      answer = handler_(target.substr(0, target.find('?')));
    }
    response_ = {static_cast<http::status>(answer.status), request.version()};
    response_.set(http::field::content_type, answer.content_type);
    response_.body() = std::move(answer.body);
    response_.keep_alive(request.keep_alive());
    response_.prepare_payload();
    parser_.reset();
    stream_.expires_after(kPlainRequestTimeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->response_.keep_alive()) self->Read();
    });
  }

  beast::tcp_stream stream_;
  const PlainHandler& handler_;
  std::shared_ptr<std::atomic<size_t>> open_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

StatusOr<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& address,
                                                              const std::string& default_host) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument(fmt::format("listen address \"{}\" is not [host]:port", address));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port_text = address.substr(colon + 1);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (...) {
    return InvalidArgument(fmt::format("listen address \"{}\": \"{}\" is not a port", address, port_text));
  }
  return std::make_pair(host.empty() ? default_host : host, static_cast<uint16_t>(port));
}

Status PlainHttpServer::Listen(const std::string& address) {
  VSECM_ASSIGN_OR_RETURN(auto host_port, ParseListenAddress(address, "0.0.0.0"));
  beast::error_code ec;
  auto ip = net::ip::make_address(host_port.first, ec);
  if (ec) return InvalidArgument(fmt::format("listen address \"{}\": {}", address, ec.message()));
  tcp::endpoint endpoint(ip, host_port.second);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable(fmt::format("cannot listen on {}: {}", address, ec.message()));
  port_ = acceptor_.local_endpoint().port();
  Accept();
  return Status::Ok();
}

void PlainHttpServer::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec == net::error::connection_aborted) return Accept();
    if (!ec && *open_ >= kMaxPlainConnections) {
      if (refused_in_row_++ == 0) {
        kernel::LogWarning("safe", "port {}: {} connections open, the limit; closing new ones",
                           port_, kMaxPlainConnections);
      }
      beast::error_code ignored;
      socket.close(ignored);
      return Accept();
    }
    if (!ec) {
      if (refused_in_row_ > 0) {
        kernel::LogInfo("safe", "port {}: below the connection limit again; {} were closed",
                        port_, refused_in_row_);
        refused_in_row_ = 0;
      }
      std::make_shared<PlainSession>(std::move(socket), handler_, open_)->Read();
      return Accept();
    }
    // EMFILE, ENFILE, ENOBUFS...: the connection waits in the backlog while descriptors free up.
    retry_.expires_after(std::chrono::milliseconds(75));
    retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) Accept();
    });
  });
}

void PlainHttpServer::Close() {
  net::post(io_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  });
}

}  // namespace vsecm::safe
