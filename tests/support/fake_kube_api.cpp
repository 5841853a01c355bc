// The fake API server's network side: TLS, HTTP/1.1 keep-alive, authentication, RBAC denials,
// fault injection and the request log. The Secrets semantics are in fake_kube_api_secrets.cpp.
#include "fake_kube_api.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fake_kube_api_internal.hpp"

namespace vsecm::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using fake_kube::Reply;
using fake_kube::StatusReply;

constexpr size_t kMaxRequestBody = size_t{3} << 20;  // the API server's limit

const char* ReasonFor(int status) {
  switch (status) {
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "InternalError";
  }
}

const char* MessageFor(int status) {
  switch (status) {
    case 429: return "Too many requests, please try again later.";
    case 503: return "the server is currently unable to handle the request";
    case 504: return "the server was unable to return a response in the time allotted";
    default: return "Internal error occurred: injected fault";
  }
}

}  // namespace

struct FakeKubeApi::Impl {
  Options options;
  fake_kube::KeyAndCert ca;
  fake_kube::KeyAndCert server;
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread accept_thread;
  fake_kube::SecretsState state;

  mutable std::mutex mu;  // everything below
  bool stopping = false;
  std::vector<std::thread> connections;
  std::set<int> open_fds;
  std::vector<std::string> tokens;
  std::vector<std::pair<std::string, std::string>> forbidden;  // verb, name ("" = any)
  int fail_count = 0;
  int fail_status = 0;
  int fail_retry_after = -1;
  int drop_count = 0;
  int stall_count = 0;
  std::chrono::milliseconds stall_for{0};
  StallPoint stall_point = StallPoint::kBeforeAnswer;
  uint64_t stall_release = 0;  // bumped by ReleaseStalls()
  std::condition_variable stall_cv;
  std::vector<RequestRecord> log;
  size_t accepted = 0;
  size_t received = 0;

  void AcceptLoop();
  void Serve(tcp::socket socket);
  std::optional<Reply> Answer(const fake_kube::Call& call, const std::string& authorization);
  // Counts a request in and takes one stall from the budget, if any is left.
  std::optional<StallPoint> Receive();
  // Waits out a stall; false when the server is stopping (then the request is not answered).
  bool Stall();
};

std::optional<FakeKubeApi::StallPoint> FakeKubeApi::Impl::Receive() {
  std::lock_guard lock(mu);
  ++received;
  if (stall_count <= 0) return std::nullopt;
  --stall_count;
  return stall_point;
}

bool FakeKubeApi::Impl::Stall() {
  std::unique_lock lock(mu);
  const uint64_t generation = stall_release;
  stall_cv.wait_for(lock, stall_for, [&] { return stopping || stall_release != generation; });
  return !stopping;
}

void FakeKubeApi::Impl::AcceptLoop() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = acceptor.accept(ec);
    std::lock_guard lock(mu);
    if (stopping) return;
    if (ec) continue;
    ++accepted;
    connections.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
  }
}

void FakeKubeApi::Impl::Serve(tcp::socket socket) {
  const int fd = socket.native_handle();
  {
    std::lock_guard lock(mu);
    if (stopping) return;
    open_fds.insert(fd);
  }
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  beast::ssl_stream<tcp::socket> stream(std::move(socket), ctx);
  stream.handshake(ssl::stream_base::server, ec);
  beast::flat_buffer buffer;
  while (!ec) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody * 4);
    http::read(stream, buffer, parser, ec);
    if (ec) break;
    const auto& req = parser.get();
    const std::string target(req.target());
    const size_t q = target.find('?');
    fake_kube::Call call{std::string(req.method_string()), target.substr(0, q),
                         q == std::string::npos ? "" : target.substr(q + 1),
                         std::string(req[http::field::accept]), req.body()};
    RequestRecord record{call.method, call.path, call.query,
                         std::string(req[http::field::authorization]), call.accept, call.body, 0};
    const std::optional<StallPoint> stall = Receive();
    if (stall == StallPoint::kBeforeAnswer && !Stall()) break;
    std::optional<Reply> reply;
    if (call.body.size() > kMaxRequestBody) {
      reply = StatusReply(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    } else {
      reply = Answer(call, record.authorization);
    }
    record.status = reply ? reply->status : 0;
    {
      std::lock_guard lock(mu);
      log.push_back(record);
    }
    if (!reply) break;  // dropped: close without an answer
    http::response<http::string_body> res{static_cast<http::status>(reply->status), 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    if (!reply->retry_after.empty()) res.set(http::field::retry_after, reply->retry_after);
    res.body() = reply->body.dump();
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    if (stall == StallPoint::kMidBody) {
      // The status line, the headers and half the body; then nothing until the stall ends.
      std::ostringstream out;
      out << res;
      const std::string wire = out.str();
      const size_t cut = wire.size() - res.body().size() / 2;
      net::write(stream, net::buffer(wire.data(), cut), ec);
      if (ec || !Stall()) break;
      net::write(stream, net::buffer(wire.data() + cut, wire.size() - cut), ec);
    } else {
      http::write(stream, res, ec);
    }
    if (!res.keep_alive()) break;
  }
  {
    std::lock_guard lock(mu);
    open_fds.erase(fd);
  }
  beast::error_code ignored;
  stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream.next_layer().close(ignored);
}

std::optional<Reply> FakeKubeApi::Impl::Answer(const fake_kube::Call& call,
                                               const std::string& authorization) {
  std::unique_lock lock(mu);
  if (drop_count > 0) {
    --drop_count;
    return std::nullopt;
  }
  if (!tokens.empty()) {
    const std::string prefix = "Bearer ";
    const bool ok = authorization.rfind(prefix, 0) == 0 &&
                    std::find(tokens.begin(), tokens.end(), authorization.substr(prefix.size())) !=
                        tokens.end();
    if (!ok) return StatusReply(401, "Unauthorized", "Unauthorized");
  }
  if (fail_count > 0) {
    --fail_count;
    Reply r = StatusReply(fail_status, ReasonFor(fail_status), MessageFor(fail_status));
    if (fail_retry_after >= 0) {
      r.retry_after = std::to_string(fail_retry_after);
      r.body["details"] = {{"retryAfterSeconds", fail_retry_after}};
    }
    return r;
  }
  const auto [verb, name] = fake_kube::SecretsState::VerbAndName(call);
  for (const auto& [v, n] : forbidden) {
    if (v == verb && (n.empty() || n == name)) {
      const std::string path_ns = call.path.size() > 19 ? call.path.substr(19) : "";
      const std::string ns = path_ns.substr(0, path_ns.find('/'));
      const std::string subject = name.empty() ? "secrets" : "secrets \"" + name + "\"";
      return StatusReply(403, "Forbidden",
                         subject + " is forbidden: User \"system:serviceaccount:vsecm-system:"
                                   "vsecm-safe\" cannot " + verb +
                             " resource \"secrets\" in API group \"\" in the namespace \"" + ns +
                             "\"",
                         name);
    }
  }
  lock.unlock();
  return state.Handle(call);
}

FakeKubeApi::FakeKubeApi() : FakeKubeApi(Options()) {}

FakeKubeApi::FakeKubeApi(Options options) : impl_(std::make_unique<Impl>()) {
  Impl& i = *impl_;
  i.options = options;
  i.tokens = options.tokens;
  i.ca = fake_kube::MakeCa("fake-kube-api-ca");
  i.server = fake_kube::IssueLeaf(i.ca, "kube-apiserver", true);
  SSL_CTX_set_min_proto_version(i.ctx.native_handle(), TLS1_2_VERSION);
  i.ctx.use_certificate_chain(net::buffer(i.server.cert_pem));
  i.ctx.use_private_key(net::buffer(i.server.key_pem), ssl::context::pem);
  if (options.require_client_certificate) {
    i.ctx.add_certificate_authority(net::buffer(i.ca.cert_pem));
    i.ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  i.acceptor.open(endpoint.protocol());
  i.acceptor.set_option(net::socket_base::reuse_address(true));
  i.acceptor.bind(endpoint);
  i.acceptor.listen();
  i.port = i.acceptor.local_endpoint().port();
  i.accept_thread = std::thread([&i] { i.AcceptLoop(); });
}

FakeKubeApi::~FakeKubeApi() {
  Impl& i = *impl_;
  {
    std::lock_guard lock(i.mu);
    i.stopping = true;
  }
  i.stall_cv.notify_all();
  ::shutdown(i.acceptor.native_handle(), SHUT_RDWR);  // wakes the blocked accept
  i.accept_thread.join();
  beast::error_code ignored;
  i.acceptor.close(ignored);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(i.mu);
    for (int fd : i.open_fds) ::shutdown(fd, SHUT_RDWR);  // wakes blocked reads
    threads.swap(i.connections);
  }
  for (auto& t : threads) t.join();
}

uint16_t FakeKubeApi::port() const { return impl_->port; }
std::string FakeKubeApi::server_url() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port);
}
const std::string& FakeKubeApi::ca_pem() const { return impl_->ca.cert_pem; }

FakeKubeApi::Credentials FakeKubeApi::IssueClientCertificate(const std::string& cn) const {
  auto leaf = fake_kube::IssueLeaf(impl_->ca, cn, false);
  return {leaf.cert_pem, leaf.key_pem};
}

std::string FakeKubeApi::UnrelatedCaPem() { return fake_kube::MakeCa("unrelated-ca").cert_pem; }

std::string FakeKubeApi::Kubeconfig(const std::string& token, const std::string& token_file,
                                    const Credentials* client) const {
  std::string user;
  if (!token.empty()) user += "    token: " + token + "\n";
  if (!token_file.empty()) user += "    tokenFile: " + token_file + "\n";
  if (client != nullptr) {
    user += "    client-certificate-data: " + fake_kube::Base64Encode(client->cert_pem) + "\n";
    user += "    client-key-data: " + fake_kube::Base64Encode(client->key_pem) + "\n";
  }
  if (user.empty()) user = "    {}\n";
  return "apiVersion: v1\n"
         "kind: Config\n"
         "current-context: fake\n"
         "clusters:\n"
         "- name: fake-cluster\n"
         "  cluster:\n"
         "    server: " + server_url() + "\n"
         "    certificate-authority-data: " + fake_kube::Base64Encode(ca_pem()) + "\n"
         "contexts:\n"
         "- name: fake\n"
         "  context:\n"
         "    cluster: fake-cluster\n"
         "    user: fake-user\n"
         "    namespace: default\n"
         "users:\n"
         "- name: fake-user\n"
         "  user:\n" + user;
}

void FakeKubeApi::SetTokens(std::vector<std::string> tokens) {
  std::lock_guard lock(impl_->mu);
  impl_->tokens = std::move(tokens);
}

void FakeKubeApi::Forbid(const std::string& verb, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  impl_->forbidden.emplace_back(verb, name);
}

void FakeKubeApi::ClearForbidden() {
  std::lock_guard lock(impl_->mu);
  impl_->forbidden.clear();
}

void FakeKubeApi::FailNext(int count, int status, int retry_after_seconds) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_count = count;
  impl_->fail_status = status;
  impl_->fail_retry_after = retry_after_seconds;
}

void FakeKubeApi::DropNext(int count) {
  std::lock_guard lock(impl_->mu);
  impl_->drop_count = count;
}

void FakeKubeApi::StallNext(int count, std::chrono::milliseconds duration, StallPoint point) {
  std::lock_guard lock(impl_->mu);
  impl_->stall_count = count;
  impl_->stall_for = duration;
  impl_->stall_point = point;
}

void FakeKubeApi::ReleaseStalls() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stall_count = 0;
    ++impl_->stall_release;
  }
  impl_->stall_cv.notify_all();
}

void FakeKubeApi::InterleaveWritesBeforeUpdates(int count) {
  impl_->state.InterleaveWritesBeforeUpdates(count);
}
void FakeKubeApi::CreateBeforeNextCreate(const std::string& ns, nlohmann::json secret) {
  impl_->state.CreateBeforeNextCreate(ns, std::move(secret));
}
void FakeKubeApi::SetMaxPageSize(size_t n) { impl_->state.SetMaxPageSize(n); }
void FakeKubeApi::ExpireNextContinueToken() { impl_->state.ExpireNextContinueToken(); }

std::optional<nlohmann::json> FakeKubeApi::Get(const std::string& ns, const std::string& name) const {
  return impl_->state.Get(ns, name);
}
std::vector<std::string> FakeKubeApi::Names(const std::string& ns) const {
  return impl_->state.Names(ns);
}
void FakeKubeApi::Seed(const std::string& ns, nlohmann::json secret) {
  impl_->state.Seed(ns, std::move(secret));
}

std::vector<FakeKubeApi::RequestRecord> FakeKubeApi::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->log;
}

size_t FakeKubeApi::ReceivedCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}

size_t FakeKubeApi::ConnectionCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->accepted;
}

void FakeKubeApi::ClearRequests() {
  std::lock_guard lock(impl_->mu);
  impl_->log.clear();
}

}  // namespace vsecm::testing
