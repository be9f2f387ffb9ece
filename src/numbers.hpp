// Parsing of counts and sizes given on the command line or in the environment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parscale {

// Accepts a non-negative integer written as 1000000, 1e9, 2.5e8 or 2^30 (also 1_000_000
// is rejected: no separators). Returns nullopt for anything else, fractions and values
// above 2^64-1 included.
std::optional<std::uint64_t> parse_count(std::string_view text);

// Accepts a finite decimal floating-point number (C locale). Returns nullopt otherwise.
std::optional<double> parse_real(std::string_view text);

// "2^62" for exact powers of two >= 2^20, plain decimal otherwise: used in range messages.
std::string format_count(std::uint64_t value);

}  // namespace parscale
