#include "list_output.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

namespace vsecm::sentinel {
namespace {

// Go's zero time: what VSecM (and our Safe) send for a date that was never set.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

std::string Shown(const std::string& date, const char* unset) {
  return date.empty() || date == kZeroTime ? std::string(unset) : date;
}

std::string Render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

std::vector<std::string> Row(const client::SecretSummary& s) {
  return {s.name, s.created, s.updated, Shown(s.not_before, "-"), Shown(s.expires_after, "never")};
}

nlohmann::json Object(const client::SecretSummary& s) {
  return nlohmann::json{{"name", s.name},
                        {"created", s.created},
                        {"updated", s.updated},
                        {"notBefore", s.not_before},
                        {"expiresAfter", s.expires_after}};
}

}  // namespace

std::string FormatTable(const std::vector<client::SecretSummary>& secrets) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "CREATED", "UPDATED", "NOT BEFORE", "EXPIRES"}};
  for (const auto& s : secrets) rows.push_back(Row(s));
  return Render(rows);
}

std::string FormatEncryptedTable(const client::EncryptedSecretList& list) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "CREATED", "UPDATED", "NOT BEFORE", "EXPIRES",
       "VALUE (" + (list.algorithm.empty() ? std::string("encrypted") : list.algorithm + ", encrypted") + ")"}};
  for (const auto& s : list.secrets) {
    rows.push_back(Row(s.summary));
    rows.back().push_back(s.value);
  }
  return Render(rows);
}

std::string FormatJson(const std::vector<client::SecretSummary>& secrets) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : secrets) items.push_back(Object(s));
  return nlohmann::json{{"secrets", items}}.dump(2) + "\n";
}

std::string FormatEncryptedJson(const client::EncryptedSecretList& list) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : list.secrets) {
    nlohmann::json item = Object(s.summary);
    item["value"] = s.value;
    items.push_back(std::move(item));
  }
  return nlohmann::json{{"secrets", items}, {"algorithm", list.algorithm}}.dump(2) + "\n";
}

}  // namespace vsecm::sentinel
