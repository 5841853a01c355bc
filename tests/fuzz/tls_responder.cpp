#include "tls_responder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace vsecm::fuzz {
namespace {

constexpr size_t kMaxRequest = size_t{8} << 20;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "tls_responder: %s\n", what);
  std::abort();
}

// The Content-Length of a request head, 0 when absent or unreadable.
size_t ContentLength(const std::string& head) {
  size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string::npos) {
    at += 2;
    constexpr char kName[] = "content-length:";
    if (head.size() - at >= sizeof kName - 1 &&
        strncasecmp(head.c_str() + at, kName, sizeof kName - 1) == 0) {
      return std::strtoull(head.c_str() + at + sizeof kName - 1, nullptr, 10);
    }
  }
  return 0;
}

}  // namespace

TlsResponder::TlsResponder(const std::string& cert_pem, const std::string& key_pem) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr) Die("SSL_CTX_new");
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  if (cert == nullptr || key == nullptr || SSL_CTX_use_certificate(ctx_, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, key) != 1) {
    Die("loading the server certificate");
  }
  X509_free(cert);
  EVP_PKEY_free(key);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("listening on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

TlsResponder::~TlsResponder() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

void TlsResponder::Script(std::vector<Reply> replies, Reply fallback) {
  std::lock_guard lock(mu_);
  script_.assign(replies.begin(), replies.end());
  fallback_ = std::move(fallback);
  bodies_.clear();
  requests_ = 0;
}

std::string TlsResponder::request_bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

TlsResponder::Reply TlsResponder::Next() {
  std::lock_guard lock(mu_);
  if (script_.empty()) return fallback_;
  Reply r = std::move(script_.front());
  script_.pop_front();
  return r;
}

bool TlsResponder::ReadRequest(SSL* ssl, int fd) {
  std::string data;
  size_t head_end = std::string::npos;
  size_t need = 0;
  char buf[16384];
  for (;;) {
    if (head_end != std::string::npos && data.size() >= need) break;
    if (SSL_pending(ssl) == 0) {
      // Wait for this connection, but give it up as soon as the client opens another one.
      pollfd fds[2] = {{fd, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      int n = ::poll(fds, 2, 200);
      if (stop_) return false;
      if (n <= 0) continue;
      if ((fds[0].revents & POLLIN) == 0) return false;
    }
    int r = SSL_read(ssl, buf, sizeof buf);
    if (r <= 0) return false;
    data.append(buf, static_cast<size_t>(r));
    if (data.size() > kMaxRequest) return false;
    if (head_end == std::string::npos) {
      head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        need = head_end + 4 + ContentLength(data.substr(0, head_end + 2));
      }
    }
  }
  std::lock_guard lock(mu_);
  bodies_.append(data, head_end + 4, std::string::npos);
  ++requests_;
  return true;
}

void TlsResponder::Serve() {
  // A client that hangs up makes OpenSSL's write() raise SIGPIPE, which would end the process.
  // Blocked in this thread only (write() then fails with EPIPE), so that the code under test
  // keeps the signal disposition it would have anyway.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  const timespec no_wait{};
  while (!stop_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stop_) return;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      while (ReadRequest(ssl, fd)) {
        const Reply reply = Next();
        size_t done = 0;
        while (done < reply.bytes.size()) {
          int w = SSL_write(ssl, reply.bytes.data() + done,
                            static_cast<int>(reply.bytes.size() - done));
          if (w <= 0) break;
          done += static_cast<size_t>(w);
        }
        if (done < reply.bytes.size() || reply.close) break;
      }
      SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    ::close(fd);
    while (sigtimedwait(&pipe, nullptr, &no_wait) > 0) {
    }
  }
}

}  // namespace vsecm::fuzz
