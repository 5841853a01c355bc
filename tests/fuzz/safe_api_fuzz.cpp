// libFuzzer target for what the Safe does with untrusted bytes before any handler runs: the
// HTTP request parser (with the server's limits, into a secure body) and the JSON decoding of
// every request body (upsert, delete, root key). None may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "api_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vsecm;
  std::span<const uint8_t> bytes(data, size);
  (void)safe::ParseUpsertBody(bytes, kernel::Timestamp{});
  (void)safe::ParseDeleteBody(bytes);
  (void)safe::ParseRootKeyBody(bytes);

  boost::beast::http::request_parser<safe::SecretBody> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && used == size && !parser.is_done()) parser.put_eof(ec);
  if (!ec && parser.is_done()) {
    safe::Request request = parser.release();
    (void)safe::ParseUpsertBody(request.body().Expose(), kernel::Timestamp{});
  }
  return 0;
}
