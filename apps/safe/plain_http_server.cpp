#include "plain_http_server.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace vsecm::safe {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class PlainSession : public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, const PlainHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) return;
    PlainResponse answer;
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      answer = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      std::string_view target(request_.target().data(), request_.target().size());
      answer = handler_(target.substr(0, target.find('?')));
    }
    response_ = {static_cast<http::status>(answer.status), request_.version()};
    response_.set(http::field::content_type, answer.content_type);
    response_.body() = std::move(answer.body);
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->response_.keep_alive()) self->Read();
    });
  }

  beast::tcp_stream stream_;
  const PlainHandler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
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
    if (!ec || ec == net::error::connection_aborted) {
      if (!ec) std::make_shared<PlainSession>(std::move(socket), handler_)->Read();
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
