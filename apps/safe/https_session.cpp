#include "https_session.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>

#include "api_json.hpp"

namespace vsecm::safe {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kHeaderLimit = 16 * 1024;
// The most a chunked body's read can add at once (Beast reads up to 64 KiB per call, and the
// buffer may already hold some), for its reservation.
constexpr size_t kReadStep = 128 * 1024;
// Lingering close: how long, and how much, is discarded of what a client still sends after
// an answer that closes its connection.
constexpr std::chrono::seconds kLingerTime{5};
constexpr size_t kDrainBuffer = 16 * 1024;

// Asio has already taken OpenSSL's error off the thread's queue and into `ec`, so a reason that
// says no more than "the handshake failed" is completed with it ("peer did not return a
// certificate", "stream truncated"...).
std::string HandshakeRefusal(std::string reason, const beast::error_code& ec) {
  if (reason.empty()) return ec.message();
  if (reason == "the handshake failed") return reason + ": " + ec.message();
  return reason;
}

struct Problem {
  http::status status;
  std::string message;
};

// A request Beast could not parse: how to answer it. nullopt for what is not the request's
// fault (the client went away, a time-out, a graceful stop): those are closed unanswered.
std::optional<Problem> Malformed(const beast::error_code& ec) {
  using E = http::error;
  if (ec == E::header_limit) {
    return Problem{http::status::request_header_fields_too_large,
                   fmt::format("the request header is larger than {} bytes", kHeaderLimit)};
  }
  const char* what = nullptr;
  if (ec == E::bad_line_ending) {
    what = "a line does not end in CRLF";
  } else if (ec == E::bad_method) {
    what = "the method is not a token";
  } else if (ec == E::bad_target) {
    what = "the request target is not valid";
  } else if (ec == E::bad_version) {
    what = "the HTTP version is not valid";
  } else if (ec == E::bad_field) {
    what = "a header field name is not valid";
  } else if (ec == E::bad_value) {
    what = "a header field value is not valid";
  } else if (ec == E::bad_content_length) {
    what = "Content-Length is not a number, is given twice with different values, or comes "
           "with Transfer-Encoding";
  } else if (ec == E::bad_transfer_encoding) {
    what = "Transfer-Encoding is given twice, or together with Content-Length";
  } else if (ec == E::bad_chunk || ec == E::bad_chunk_extension) {
    what = "the chunked body is malformed";
  } else if (ec == E::bad_obs_fold) {
    what = "a header field is folded over several lines (obs-fold)";
  } else {
    return std::nullopt;
  }
  return Problem{http::status::bad_request, std::string("malformed request: ") + what};
}

}  // namespace

HttpsServer::Session::Session(HttpsServer& server, tcp::socket socket, const tcp::endpoint& remote,
                              std::shared_ptr<ssl::context> ctx)
    : server_(server),
      executor_(socket.get_executor()),
      socket_(std::move(socket)),
      first_byte_deadline_(executor_),
      ctx_(std::move(ctx)),
      source_(remote.address()),
      remote_(fmt::format("{}:{}", remote.address().to_string(), remote.port())) {
  ++server_.active_;
  server_.metrics_.ConnectionOpened();
}

HttpsServer::Session::~Session() {
  ReleaseHandshakeSlot();
  ReleaseBody();
  if (established_) --server_.established_;
  server_.metrics_.ConnectionClosed();
  --server_.active_;
}

// Until the client sends its first byte the connection costs a socket and a timer: the TLS
// stream, with its four 17 KiB buffers (asio's two, OpenSSL's BIO pair), is made only then.
void HttpsServer::Session::Run() {
  net::dispatch(executor_, [self = shared_from_this()] {
    self->idle_ = true;
    self->first_byte_deadline_.expires_after(self->server_.options_.handshake_timeout);
    self->first_byte_deadline_.async_wait([self](beast::error_code ec) {
      beast::error_code ignored;
      if (!ec && !self->stream_) self->socket_.close(ignored);
    });
    self->socket_.async_wait(tcp::socket::wait_read,
                             beast::bind_front_handler(&Session::OnFirstByte, self));
  });
}

void HttpsServer::Session::CloseIfIdle() {
  net::post(executor_, [self = shared_from_this()] {
    if (!self->idle_) return;
    beast::error_code ignored;
    if (!self->stream_) {
      self->socket_.close(ignored);
    } else {
      self->Tcp().cancel();
    }
  });
}

void HttpsServer::Session::OnFirstByte(beast::error_code ec) {
  idle_ = false;
  first_byte_deadline_.cancel();
  if (ec || server_.stopping_) return;
  // Readable with nothing to read: the client closed (or reset) without a word. No TLS for it.
  beast::error_code available_ec;
  if (socket_.available(available_ec) == 0 || available_ec) return;
  stream_.emplace(std::move(socket_), *ctx_);
  // OpenSSL frees a connection's 17 KiB read and write buffers whenever they are empty (idle
  // keep-alive connections hold none).
  SSL_set_mode(stream_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  Tcp().expires_at(first_byte_deadline_.expiry());  // the same deadline, from accept
  stream_->async_handshake(ssl::stream_base::server,
                           beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
}

void HttpsServer::Session::OnHandshake(beast::error_code ec) {
  ReleaseHandshakeSlot();
  if (ec) {
    server_.metrics_.HandshakeFailed();
    std::string why = server_.tls_.handshake_failure
                          ? server_.tls_.handshake_failure(stream_->native_handle())
                          : std::string();
    server_.refused_(remote_, "TLS handshake refused: " + HandshakeRefusal(std::move(why), ec));
    return;  // dropping the session closes the socket
  }
  auto peer = server_.tls_.peer_id(stream_->native_handle());
  if (!peer.ok()) {
    server_.refused_(remote_, peer.status().message());
    return Shutdown();
  }
  // Only now does the connection count against the connection limit.
  if (server_.established_.fetch_add(1) >= server_.options_.max_connections) {
    --server_.established_;
    server_.metrics_.ConnectionRefused();
    return;
  }
  established_ = true;
  established_at_ = std::chrono::steady_clock::now();
  peer_ = std::move(peer).value();
  ReadHeader();
}

void HttpsServer::Session::ReleaseHandshakeSlot() {
  if (!handshake_slot_) return;
  handshake_slot_ = false;
  server_.HandshakeDone(source_);
}

void HttpsServer::Session::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  // The body's limit is decided with the request (Admission); until then a Content-Length of
  // any size is only a number.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  idle_ = true;
  Tcp().expires_after(server_.options_.idle_timeout);
  http::async_read_header(*stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void HttpsServer::Session::OnHeader(beast::error_code ec) {
  idle_ = false;
  if (ec == http::error::end_of_stream) return Shutdown();
  if (ec) {
    if (auto problem = Malformed(ec)) return Fail(problem->status, problem->message);
    return;  // timeout, reset, truncation, or a graceful stop
  }
  // The peer's certificate may have expired, or its CA left the bundle, since the handshake.
  if (server_.tls_.recheck_peer) {
    if (Status still = server_.tls_.recheck_peer(stream_->native_handle()); !still.ok()) {
      server_.metrics_.ConnectionEnded(Metrics::ConnectionEnd::kCertificate);
      server_.refused_(remote_,
                       fmt::format("{} on a kept-alive connection: {}", peer_, still.message()));
      return Fail(http::status::bad_request, still.message());
    }
  }
  if (std::string problem = FramingProblem(); !problem.empty()) {
    return Fail(http::status::bad_request, problem);
  }
  const RequestHeader& header = parser_->get().base();
  const bool has_body = !parser_->is_done();
  keep_alive_ = parser_->keep_alive() && !server_.stopping_;
  Admission admission = server_.admit_(header, peer_);
  write_ = admission.write;
  if (admission.answer) {
    if (has_body) {
      keep_alive_ = false;  // the body is not read: what follows is not a request
      linger_ = true;
    }
    parser_.reset();
    return Write(std::move(*admission.answer));
  }
  if (!has_body) return Dispatch();
  if (admission.body_limit == 0) {
    std::string_view target = StdView(header.target());
    return Fail(http::status::bad_request,
                fmt::format("{} {} takes no request body", StdView(header.method_string()).substr(0, 32),
                            target.substr(0, std::min<size_t>(target.find('?'), 128))));
  }
  ReadBody(std::min(admission.body_limit, server_.options_.body_limit));
}

// RFC 9112 §6.3: in a request, a Transfer-Encoding whose final coding is not chunked leaves the
// body's length unknown, and one together with Content-Length is how requests are smuggled
// past a proxy. Beast would read the first as a request without a body and its body as the
// next request, so both are refused here. No other coding is supported either.
std::string HttpsServer::Session::FramingProblem() const {
  const auto& header = parser_->get();
  const size_t codings = header.count(http::field::transfer_encoding);
  if (codings == 0) return "";
  if (header.count(http::field::content_length) != 0) {
    return "a request must not carry both Transfer-Encoding and Content-Length (RFC 9112, "
           "section 6.3)";
  }
  std::string given;
  for (auto it = header.find(http::field::transfer_encoding);
       it != header.end() && it->name() == http::field::transfer_encoding; ++it) {
    if (!given.empty()) given += ", ";
    given += StdView(it->value());
  }
  if (codings == 1 && beast::iequals(given, "chunked") && parser_->chunked()) return "";
  return fmt::format("Transfer-Encoding \"{}\" is not supported: a request body may only be "
                     "chunked (RFC 9112, section 6.3)",
                     given.substr(0, 64));
}

void HttpsServer::Session::ReadBody(size_t limit) {
  body_limit_ = limit;
  const auto length = parser_->content_length();
  if (length && *length > limit) {
    return Fail(http::status::bad_request,
                fmt::format("the request body is larger than {} bytes", limit));
  }
  parser_->body_limit(limit);
  // A body of known length is read into one block of exactly that size; a chunked one is
  // reserved for as it arrives.
  if (length && !Reserve(static_cast<size_t>(*length))) return RefuseBody();
  Tcp().expires_after(server_.options_.body_timeout);  // for the whole body
  if (!length) return ReadChunked();
  http::async_read(*stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void HttpsServer::Session::ReadChunked() {
  // Its buffer doubles as it grows, so it may hold twice what arrived: reserve that, and for
  // the next read.
  const size_t want = 2 * static_cast<size_t>(std::min<uint64_t>(body_wire_, body_limit_) + kReadStep);
  if (want > reserved_ && !Reserve(want - reserved_)) return RefuseBody();
  http::async_read_some(*stream_, buffer_, *parser_,
                        [self = shared_from_this()](beast::error_code ec, size_t n) {
                          self->body_wire_ += n;
                          if (ec || self->parser_->is_done()) return self->OnBody(ec);
                          self->ReadChunked();
                        });
}

bool HttpsServer::Session::Reserve(size_t bytes) {
  if (!server_.bodies_.TryReserve(bytes)) return false;
  reserved_ += bytes;
  server_.metrics_.BodyBytesReserved(static_cast<int64_t>(bytes));
  return true;
}

void HttpsServer::Session::ReleaseBody() {
  if (reserved_ == 0) return;
  server_.bodies_.Release(reserved_);
  server_.metrics_.BodyBytesReserved(-static_cast<int64_t>(reserved_));
  reserved_ = 0;
}

void HttpsServer::Session::RefuseBody() {
  server_.metrics_.BodyRefused();
  Fail(http::status::service_unavailable,
       fmt::format("too many request bodies are being read: they may take {} bytes of locked "
                   "memory together (VSECM_SAFE_BODY_MEMORY_LIMIT); retry shortly",
                   server_.bodies_.limit()));
}

void HttpsServer::Session::OnBody(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return Fail(http::status::bad_request,
                fmt::format("the request body is larger than {} bytes", body_limit_));
  }
  if (ec == http::error::buffer_overflow) {  // SecretBody could not get secure memory
    return Fail(http::status::service_unavailable,
                "the request body cannot be held in secure memory now; retry shortly");
  }
  if (ec) {
    if (auto problem = Malformed(ec)) return Fail(problem->status, problem->message);
    return;  // the body deadline (the socket is closed), a reset, or a graceful stop
  }
  Dispatch();
}

void HttpsServer::Session::Dispatch() {
  request_ = parser_->release();
  parser_.reset();
  if (buffer_.size() == 0) buffer_.shrink_to_fit();  // an idle connection holds no buffer
  Tcp().expires_never();  // the handler may wait for the store
  net::thread_pool& workers = write_ ? server_.write_workers_ : server_.read_workers_;
  net::post(workers, [self = shared_from_this()] {
    Response response = self->server_.handler_(self->request_, self->peer_);
    net::post(self->executor_, [self, r = std::move(response)]() mutable {
      self->request_ = {};  // wipes the request body now, not at the next read
      self->ReleaseBody();
      self->Write(std::move(r));
    });
  });
}

void HttpsServer::Session::Fail(http::status status, const std::string& message) {
  keep_alive_ = false;
  linger_ = true;
  parser_.reset();
  request_ = {};
  ReleaseBody();
  Write(ErrorResponse(status, message));
}

void HttpsServer::Session::Write(Response response) {
  response_ = std::move(response);
  if (keep_alive_ && std::chrono::steady_clock::now() - established_at_ >=
                         server_.options_.max_connection_age) {
    keep_alive_ = false;
    server_.metrics_.ConnectionEnded(Metrics::ConnectionEnd::kMaxAge);
  }
  response_.keep_alive(keep_alive_);
  response_.prepare_payload();
  // One secure buffer (see SerializeToSecret): asio would copy Beast's header and body
  // buffers into an array on this I/O thread's stack first, and leave the plain text there.
  wire_ = SerializeToSecret(response_);
  response_ = {};
  Tcp().expires_after(server_.options_.idle_timeout);
  net::async_write(*stream_, net::buffer(wire_.Expose().data(), wire_.size()),
                   beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
}

void HttpsServer::Session::OnWrite(beast::error_code ec, size_t) {
  wire_ = {};
  if (ec) return;
  if (!keep_alive_ || server_.stopping_) return Close();
  ReadHeader();
}

void HttpsServer::Session::Close() {
  if (linger_) return Linger();
  Shutdown();
}

void HttpsServer::Session::Shutdown() {
  Tcp().expires_after(std::chrono::seconds(5));
  stream_->async_shutdown([self = shared_from_this()](beast::error_code) {});
}

// The client may still be sending what will not be read (a refused body, a request after a
// malformed one). Closing with those bytes unread makes the kernel reset the connection, which
// can destroy the answer before the client has read it; so stop sending (the answer is out)
// and discard what still comes, for a while. No TLS close_notify: the answer's length is known.
void HttpsServer::Session::Linger() {
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  drain_ = std::make_unique<char[]>(kDrainBuffer);
  Tcp().expires_after(kLingerTime);
  Drain();
}

void HttpsServer::Session::Drain() {
  Tcp().async_read_some(net::buffer(drain_.get(), kDrainBuffer),
                        [self = shared_from_this()](beast::error_code ec, size_t n) {
                          self->drained_ += n;
                          const size_t most = self->server_.options_.body_limit + kReadStep;
                          if (ec || self->drained_ > most) return;
                          self->Drain();
                        });
}

}  // namespace vsecm::safe
