// The Safe's HTTP messages: bodies in secure memory (libs/secure-http), under the names the
// Safe's code uses.
#ifndef VSECM_APPS_SAFE_HTTP_TYPES_HPP_
#define VSECM_APPS_SAFE_HTTP_TYPES_HPP_

#include "vsecm/secure_http/secret_body.hpp"

namespace vsecm::safe {

using secure_http::Request;
using secure_http::Response;
using secure_http::SecretBody;
using secure_http::SecureFlatBuffer;
using secure_http::SerializeToSecret;
using secure_http::StdView;

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_HTTP_TYPES_HPP_
