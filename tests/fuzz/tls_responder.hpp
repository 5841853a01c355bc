// A loopback HTTPS server for fuzzing HTTP clients: it answers each request it reads with the
// next scripted reply, byte for byte, so a fuzz input decides exactly what the client receives
// (status line, headers and body, well formed or not). One connection is served at a time, on
// one thread; a client that opens a new connection makes it drop the old one.
#ifndef VSECM_TESTS_FUZZ_TLS_RESPONDER_HPP_
#define VSECM_TESTS_FUZZ_TLS_RESPONDER_HPP_

#include <openssl/types.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vsecm::fuzz {

class TlsResponder {
 public:
  struct Reply {
    std::string bytes;   // written as they are
    bool close = false;  // close the connection after writing them
  };

  // Listens on 127.0.0.1 (a port the system picks) with this certificate and key (PEM).
  // Aborts when it cannot: a fuzz target without its server must not run.
  TlsResponder(const std::string& cert_pem, const std::string& key_pem);
  ~TlsResponder();
  TlsResponder(const TlsResponder&) = delete;
  TlsResponder& operator=(const TlsResponder&) = delete;

  uint16_t port() const { return port_; }

  // The replies to the next requests, in order; once they are used up, `fallback` answers.
  void Script(std::vector<Reply> replies, Reply fallback);
  // Requests read since the last Script().
  size_t requests() const { return requests_.load(); }
  // The bodies of the requests read since the last Script(), concatenated.
  std::string request_bodies() const;

 private:
  void Serve();
  // Reads one request on `ssl`; false when the connection ended or a new one is waiting.
  bool ReadRequest(SSL* ssl, int fd);
  Reply Next();

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> requests_{0};
  mutable std::mutex mu_;
  std::deque<Reply> script_;
  Reply fallback_;
  std::string bodies_;
  std::thread thread_;
};

}  // namespace vsecm::fuzz

#endif  // VSECM_TESTS_FUZZ_TLS_RESPONDER_HPP_
