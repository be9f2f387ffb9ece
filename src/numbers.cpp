#include "numbers.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

namespace parscale {

namespace {

std::optional<std::uint64_t> parse_plain(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') {
    return std::nullopt;  // from_chars would accept neither '+' nor '-', but say so plainly
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_count(std::string_view text) {
  if (const auto caret = text.find('^'); caret != std::string_view::npos) {
    const auto base = parse_plain(text.substr(0, caret));
    const auto exponent = parse_plain(text.substr(caret + 1));
    if (!base || !exponent) {
      return std::nullopt;
    }
    std::uint64_t value = 1;
    for (std::uint64_t i = 0; i < *exponent; ++i) {
      if (*base != 0 && value > std::numeric_limits<std::uint64_t>::max() / *base) {
        return std::nullopt;
      }
      value *= *base;
      if (value == 0 || value == 1) {
        break;  // 0^k and 1^k need no more steps
      }
    }
    return value;
  }
  if (text.find_first_of("eE") != std::string_view::npos) {
    // Mantissa and exponent: the value must be an exact integer that fits.
    if (text.empty() || text.front() < '0' || text.front() > '9') {
      return std::nullopt;
    }
    const auto value = parse_real(text);
    if (!value || *value < 0.0 || *value >= 18446744073709551616.0 || std::floor(*value) != *value) {
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(*value);
  }
  return parse_plain(text);
}

std::optional<double> parse_real(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string format_count(std::uint64_t value) {
  if (value >= (std::uint64_t{1} << 20) && std::has_single_bit(value)) {
    return "2^" + std::to_string(std::countr_zero(value));
  }
  return std::to_string(value);
}

}  // namespace parscale
