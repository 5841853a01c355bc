// One connection of the API listener (see https_server.hpp), from accept to close:
//
//   accept ── wait for the first byte ── TLS handshake ── peer check ─┐  (handshake slot held)
//   ┌─────────────────────────────────────────────────────────────────┘
//   └─ read a header ── recheck the peer ── admit ── [read the body] ── handler on a worker ──
//      write the answer ── next header, or close
//
// Everything but the handler runs on the connection's strand. Private to the listener.
#ifndef VSECM_APPS_SAFE_HTTPS_SESSION_HPP_
#define VSECM_APPS_SAFE_HTTPS_SESSION_HPP_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "https_server.hpp"

namespace vsecm::safe {

class HttpsServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpsServer& server, boost::asio::ip::tcp::socket socket,
          const boost::asio::ip::tcp::endpoint& remote,
          std::shared_ptr<boost::asio::ssl::context> ctx);
  ~Session();

  void Run();
  // Closes the connection if it is only waiting for its first byte or its next request
  // (graceful stop).
  void CloseIfIdle();

 private:
  using Stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

  void OnFirstByte(boost::beast::error_code ec);
  void OnHandshake(boost::beast::error_code ec);
  void ReleaseHandshakeSlot();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  // Why the header may not be served as it is (RFC 9112 §6.3), or "".
  std::string FramingProblem() const;
  void ReadBody(size_t limit);
  void ReadChunked();
  bool Reserve(size_t bytes);
  void RefuseBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch();
  // Answers, then closes: the rest of what the client sent is not read as another request.
  void Fail(boost::beast::http::status status, const std::string& message);
  void Write(Response response);
  void OnWrite(boost::beast::error_code ec, size_t);
  void Close();
  void Shutdown();
  void Linger();
  void Drain();
  void ReleaseBody();
  boost::beast::tcp_stream& Tcp() { return boost::beast::get_lowest_layer(*stream_); }

  HttpsServer& server_;
  boost::asio::any_io_executor executor_;  // the connection's strand
  // Until the first byte: only the socket and a timer. The TLS stream replaces the socket then.
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer first_byte_deadline_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;  // outlives the stream that uses it
  std::optional<Stream> stream_;
  SecureFlatBuffer buffer_;
  std::optional<boost::beast::http::request_parser<SecretBody>> parser_;
  Request request_;
  Response response_;
  kernel::SecretBytes wire_;  // response_, serialized, while it is being written
  std::unique_ptr<char[]> drain_;  // cipher text discarded while lingering
  size_t drained_ = 0;
  const boost::asio::ip::address source_;
  std::string remote_;
  std::string peer_;
  bool handshake_slot_ = true;
  bool established_ = false;
  std::chrono::steady_clock::time_point established_at_{};
  bool write_ = false;      // the request in hand runs on the write workers
  size_t body_limit_ = 0;   // for the request in hand
  size_t reserved_ = 0;     // of the body budget, for the request in hand
  uint64_t body_wire_ = 0;  // bytes of a chunked body read so far
  bool keep_alive_ = false;
  bool linger_ = false;     // unread request bytes may follow: drain them before closing
  bool idle_ = false;       // waiting for the first byte or the next request
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_HTTPS_SESSION_HPP_
