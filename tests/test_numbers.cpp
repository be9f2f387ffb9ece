#include <gtest/gtest.h>

#include "numbers.hpp"

namespace parscale {
namespace {

TEST(ParseCount, AcceptsPlainScientificAndPowerForms) {
  EXPECT_EQ(parse_count("1000000"), 1000000U);
  EXPECT_EQ(parse_count("1e9"), 1000000000U);
  EXPECT_EQ(parse_count("2.5e8"), 250000000U);
  EXPECT_EQ(parse_count("2^30"), 1U << 30);
  EXPECT_EQ(parse_count("2^62"), std::uint64_t{1} << 62);
  EXPECT_EQ(parse_count("0"), 0U);
  EXPECT_EQ(parse_count("18446744073709551615"), 18446744073709551615ULL);
}

TEST(ParseCount, RejectsEverythingElse) {
  for (const char* bad : {"", "-1", "+5", "abc", "1.5", "1e-3", "1e99", "2^64", "3^41", "1,000", "10k", "0x10",
                          " 5", "5 ", "1e", "^3", "2^", "18446744073709551616", "nan", "inf", "2.5"}) {
    EXPECT_FALSE(parse_count(bad).has_value()) << bad;
  }
}

TEST(ParseReal, FiniteDecimalsOnly) {
  EXPECT_EQ(parse_real("0.25"), 0.25);
  EXPECT_EQ(parse_real("1e3"), 1000.0);
  EXPECT_FALSE(parse_real("inf").has_value());
  EXPECT_FALSE(parse_real("1.0s").has_value());
  EXPECT_FALSE(parse_real("").has_value());
}

TEST(FormatCount, PowersOfTwoReadAsPowers) {
  EXPECT_EQ(format_count(std::uint64_t{1} << 62), "2^62");
  EXPECT_EQ(format_count(1000), "1000");
  EXPECT_EQ(format_count(2), "2");
}

}  // namespace
}  // namespace parscale
