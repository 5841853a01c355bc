// What the fake API server checks and how it says no, as the real one does: object names,
// data keys and values, the 1 MiB limit, label selectors, query strings, Status objects.
#include <cctype>
#include <chrono>
#include <ctime>

#include "fake_kube_api_internal.hpp"

namespace vsecm::testing::fake_kube {
namespace {

using nlohmann::json;

constexpr size_t kMaxDataBytes = size_t{1} << 20;
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsConfigKey(const std::string& key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  for (char c : key) {
    if (!IsLowerAlnum(c) && !(c >= 'A' && c <= 'Z') && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Decoded length of strict padded base64, or the offset of the first bad byte as -(offset+1).
long long Base64DecodedSize(const std::string& s) {  // NOLINT(runtime/int)
  const std::string alphabet(kB64);
  if (s.size() % 4 != 0) return -static_cast<long long>(s.size()) - 1;  // NOLINT(runtime/int)
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool tail = i >= s.size() - 2;
    if (s[i] == '=' && tail && (i == s.size() - 1 || s.back() == '=')) {
      ++pad;
      continue;
    }
    if (alphabet.find(s[i]) == std::string::npos || pad > 0) {
      return -static_cast<long long>(i) - 1;  // NOLINT(runtime/int)
    }
  }
  return static_cast<long long>(s.size() / 4 * 3 - pad);  // NOLINT(runtime/int)
}

std::string Encode64(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t w = static_cast<uint8_t>(in[i]) << 16;
    if (n > 1) w |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (n > 2) w |= static_cast<uint8_t>(in[i + 2]);
    out += kB64[(w >> 18) & 63];
    out += kB64[(w >> 12) & 63];
    out += n > 1 ? kB64[(w >> 6) & 63] : '=';
    out += n > 2 ? kB64[w & 63] : '=';
  }
  return out;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string TrimSpaces(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}


}  // namespace

bool IsDnsSubdomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string Now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

Route ParseRoute(const std::string& path) {
  auto s = Segments(path);
  Route r;
  if ((s.size() == 5 || s.size() == 6) && s[0] == "api" && s[1] == "v1" && s[2] == "namespaces" &&
      !s[3].empty() && s[4] == "secrets" && (s.size() == 5 || !s[5].empty())) {
    r.ns = s[3];
    if (s.size() == 6) r.name = s[5];
    r.ok = true;
  }
  return r;
}

Reply Invalid(const std::string& name, const std::string& detail) {
  return StatusReply(422, "Invalid", "Secret \"" + name + "\" is invalid: " + detail, name);
}

Reply Conflict(const std::string& name, const std::string& why) {
  return StatusReply(409, "Conflict",
                     "Operation cannot be fulfilled on secrets \"" + name + "\": " + why, name);
}

// Validates and normalizes data/stringData/type of an incoming object; nullopt when fine.
std::optional<Reply> CheckData(json& object, const std::string& name) {
  if (object.contains("stringData") && object["stringData"].is_object()) {
    for (auto& [k, v] : object["stringData"].items()) {
      if (v.is_string()) object["data"][k] = Encode64(v.get<std::string>());
    }
    object.erase("stringData");
  }
  if (!object.contains("type") || !object["type"].is_string() || Text(object, "type").empty()) {
    object["type"] = "Opaque";
  }
  if (!object.contains("data") || object["data"].is_null()) return std::nullopt;
  if (!object["data"].is_object()) {
    return StatusReply(400, "BadRequest", "Secret in version \"v1\" cannot be handled as a Secret: "
                                          "data: expected map");
  }
  size_t total = 0;
  for (auto& [key, value] : object["data"].items()) {
    if (!value.is_string()) {
      return StatusReply(400, "BadRequest", "Secret in version \"v1\" cannot be handled as a "
                                            "Secret: data: expected string");
    }
    const long long n = Base64DecodedSize(value.get<std::string>());  // NOLINT(runtime/int)
    if (n < 0) {
      return StatusReply(400, "BadRequest",
                         "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 "
                         "data at input byte " + std::to_string(-n - 1));
    }
    if (!IsConfigKey(key)) {
      return Invalid(name, "data[" + key + "]: Invalid value: \"" + key +
                               "\": a valid config key must consist of alphanumeric characters, "
                               "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                               "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    }
    total += static_cast<size_t>(n);
  }
  if (total > kMaxDataBytes) return Invalid(name, "data: Too long: must have at most 1048576 bytes");
  return std::nullopt;
}

std::optional<Reply> CheckNamespace(const json& object, const std::string& ns) {
  const std::string body_ns = Text(object["metadata"], "namespace");
  if (!body_ns.empty() && body_ns != ns) {
    return StatusReply(400, "BadRequest", "the namespace of the provided object does not match "
                                          "the namespace sent on the request");
  }
  return std::nullopt;
}

std::optional<json> ParseObject(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  if (j.contains("kind") && j["kind"] != "Secret") return std::nullopt;
  if (!j.contains("metadata") || !j["metadata"].is_object()) j["metadata"] = json::object();
  return j;
}


std::optional<std::vector<Requirement>> ParseSelector(const std::string& selector) {
  std::vector<Requirement> out;
  size_t start = 0;
  while (start < selector.size()) {
    size_t comma = selector.find(',', start);
    std::string term = TrimSpaces(selector.substr(start, comma == std::string::npos ? std::string::npos
                                                                                    : comma - start));
    start = comma == std::string::npos ? selector.size() : comma + 1;
    if (term.empty()) return std::nullopt;
    if (term.find('(') != std::string::npos || term.find(' ') != std::string::npos) {
      return std::nullopt;  // set-based requirements are not modelled
    }
    if (term[0] == '!') {
      out.push_back({Requirement::kNotExists, term.substr(1), ""});
    } else if (size_t p = term.find("!="); p != std::string::npos) {
      out.push_back({Requirement::kNe, term.substr(0, p), term.substr(p + 2)});
    } else if (size_t q = term.find("=="); q != std::string::npos) {
      out.push_back({Requirement::kEq, term.substr(0, q), term.substr(q + 2)});
    } else if (size_t e = term.find('='); e != std::string::npos) {
      out.push_back({Requirement::kEq, term.substr(0, e), term.substr(e + 1)});
    } else {
      out.push_back({Requirement::kExists, term, ""});
    }
  }
  return out;
}

bool Matches(const std::vector<Requirement>& selector, const json& object) {
  const json& labels = object["metadata"].contains("labels") ? object["metadata"]["labels"]
                                                             : json::object();
  for (const Requirement& r : selector) {
    const bool has = labels.is_object() && labels.contains(r.key);
    const std::string value = has ? labels[r.key].get<std::string>() : "";
    switch (r.op) {
      case Requirement::kEq: if (!has || value != r.value) return false; break;
      case Requirement::kNe: if (has && value == r.value) return false; break;
      case Requirement::kExists: if (!has) return false; break;
      case Requirement::kNotExists: if (has) return false; break;
    }
  }
  return true;
}

std::string Base64Encode(const std::string& in) { return Encode64(in); }

Reply StatusReply(int code, const std::string& reason, const std::string& message,
                  const std::string& name) {
  json body = {{"kind", "Status"},     {"apiVersion", "v1"},  {"metadata", json::object()},
               {"status", "Failure"},  {"message", message}, {"reason", reason},
               {"code", code}};
  if (!name.empty()) body["details"] = {{"name", name}, {"kind", "secrets"}};
  return {code, body, ""};
}

std::string QueryUnescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    size_t eq = pair.find('=');
    out[QueryUnescape(pair.substr(0, eq))] =
        eq == std::string::npos ? "" : QueryUnescape(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}


}  // namespace vsecm::testing::fake_kube
