#include "checkpoint.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "cli.hpp"
#include "output_files.hpp"

namespace parscale {

namespace {

std::string first_line_of(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string checkpoint_header(std::uint64_t problem_fingerprint) {
  return fmt::format("parscale-checkpoint 1 problem {:016x}", problem_fingerprint);
}

std::vector<std::string> checkpoint_files(const std::string& path) {
  const std::filesystem::path given(path);
  const std::filesystem::path directory = given.parent_path().empty() ? "." : given.parent_path();
  const std::string prefix = given.filename().string() + ".rank";
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
      files.push_back(entry.path().string());
    }
  }
  return files;
}

void check_checkpoint_files(const std::string& path, const std::string& header) {
  for (const auto& file : checkpoint_files(path)) {
    if (first_line_of(file) != header) {
      throw UsageError(fmt::format("--checkpoint: '{}' holds another problem's blocks (or is not a checkpoint); "
                                   "remove it or name another checkpoint file",
                                   file));
    }
  }
}

std::map<std::uint64_t, std::string> read_checkpoint_entries(const std::string& path) {
  std::map<std::uint64_t, std::string> entries;
  for (const auto& file : checkpoint_files(path)) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // the header, checked before the run
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::uint64_t block = 0;
      std::string hex;
      if (!(fields >> block >> hex)) {
        throw std::runtime_error(fmt::format("--checkpoint: '{}' has a malformed line '{}'", file, line));
      }
      entries.emplace(block, hex);
    }
  }
  return entries;
}

void write_checkpoint_file(const std::string& path, int rank, const std::string& header,
                           const std::map<std::uint64_t, std::string>& entries) {
  std::string text = header + "\n";
  for (const auto& [block, hex] : entries) {
    text += fmt::format("{} {}\n", block, hex);
  }
  write_file_atomically(fmt::format("{}.rank{}", path, rank), text);
}

void remove_checkpoint_files(const std::string& path) {
  for (const auto& file : checkpoint_files(path)) {
    std::remove(file.c_str());
  }
}

std::string to_hex(const void* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  const auto* data = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < size; ++i) {
    text += kDigits[data[i] >> 4];
    text += kDigits[data[i] & 15];
  }
  return text;
}

bool from_hex(const std::string& text, void* bytes, std::size_t size) {
  if (text.size() != 2 * size) {
    return false;
  }
  auto* data = static_cast<unsigned char*>(bytes);
  for (std::size_t i = 0; i < size; ++i) {
    const auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int high = digit(text[2 * i]);
    const int low = digit(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return false;
    }
    data[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

}  // namespace parscale
