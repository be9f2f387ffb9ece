#include "agreement.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace parscale {

namespace {

// Lines "key=value" back into pairs; a value may itself hold '=' but never a newline.
std::vector<std::pair<std::string, std::string>> facts_of(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> facts;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto equals = line.find('=');
    facts.emplace_back(line.substr(0, equals), equals == std::string::npos ? "" : line.substr(equals + 1));
  }
  return facts;
}

std::string value_of(const std::vector<std::pair<std::string, std::string>>& facts, const std::string& key) {
  for (const auto& [name, value] : facts) {
    if (name == key) {
      return value;
    }
  }
  return "(not given)";
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string text = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i != 0) {
      text += ',';
    }
    text += std::to_string(ranks[i]);
  }
  return text;
}

}  // namespace

void JobDescription::add(const std::string& key, const std::string& value) {
  std::string one_line = value;
  for (char& c : one_line) {
    c = c == '\n' ? ' ' : c;
  }
  facts_.emplace_back(key, one_line);
}

std::string JobDescription::text() const {
  std::string text;
  for (const auto& [key, value] : facts_) {
    text += key + "=" + value + "\n";
  }
  return text;
}

std::uint64_t JobDescription::fingerprint() const {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text()) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool ranks_agree(MpiTeam& team, const JobDescription& job, const char* program) {
  const std::uint64_t mine = job.fingerprint();
  std::vector<char> reference(sizeof mine);
  std::memcpy(reference.data(), &mine, sizeof mine);
  team.broadcast_bytes(reference);
  const bool same = std::memcmp(reference.data(), &mine, sizeof mine) == 0;
  if (team.min(same ? team.size() : team.rank()) == team.size()) {
    return true;
  }
  const std::string text = job.text();
  std::vector<std::string> texts;
  for (const auto& part : team.gather_parts(std::vector<char>(text.begin(), text.end()))) {
    texts.emplace_back(part.begin(), part.end());
  }
  if (team.rank() == 0) {
    std::fprintf(stderr, "%s: error: %s\n", program, describe_disagreement(texts).c_str());
  }
  return false;
}

std::string describe_disagreement(const std::vector<std::string>& texts) {
  const auto reference = facts_of(texts.empty() ? "" : texts.front());
  std::vector<std::vector<std::pair<std::string, std::string>>> all;
  for (const auto& text : texts) {
    all.push_back(facts_of(text));
  }
  // Keys in rank 0's order, then any only other ranks have.
  std::vector<std::string> keys;
  for (const auto& facts : all) {
    for (const auto& fact : facts) {
      bool known = false;
      for (const auto& key : keys) {
        known = known || key == fact.first;
      }
      if (!known) {
        keys.push_back(fact.first);
      }
    }
  }
  for (const auto& key : keys) {
    const std::string expected = value_of(reference, key);
    std::map<std::string, std::vector<int>> others;  // value -> ranks that have it
    for (std::size_t rank = 1; rank < all.size(); ++rank) {
      const std::string value = value_of(all[rank], key);
      if (value != expected) {
        others[value].push_back(static_cast<int>(rank));
      }
    }
    if (others.empty()) {
      continue;
    }
    std::string theirs;
    for (const auto& [value, ranks] : others) {
      theirs += fmt::format("{}{} {} '{}'", theirs.empty() ? "" : ", ", rank_list(ranks),
                            ranks.size() == 1 ? "has" : "have", value);
    }
    return fmt::format("ranks disagree on {}: rank 0 has '{}', {}; start every rank with the same program, "
                       "options and environment",
                       key, expected, theirs);
  }
  return "ranks disagree on the job (their descriptions differ); start every rank with the same program, options "
         "and environment";
}

}  // namespace parscale
