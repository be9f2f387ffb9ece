// The progress line's text and when it is shown (the display itself: tests/progress_output.py).
#include <gtest/gtest.h>

#include "progress.hpp"

namespace parscale {
namespace {

TEST(Progress, ModesParseAndOnlyAutoLooksAtTheTerminal) {
  EXPECT_EQ(parse_progress_mode("auto"), ProgressMode::automatic);
  EXPECT_EQ(parse_progress_mode("always"), ProgressMode::always);
  EXPECT_EQ(parse_progress_mode("never"), ProgressMode::never);
  EXPECT_FALSE(parse_progress_mode("yes").has_value());
  EXPECT_FALSE(parse_progress_mode("").has_value());
  EXPECT_TRUE(progress_shown(ProgressMode::automatic, true));
  EXPECT_FALSE(progress_shown(ProgressMode::automatic, false));
  EXPECT_TRUE(progress_shown(ProgressMode::always, false));
  EXPECT_FALSE(progress_shown(ProgressMode::never, true));
}

TEST(Progress, LineShowsBlocksElapsedAndTimeLeft) {
  EXPECT_EQ(progress_line("primes", 120, 318, 5.2, 8.4), "primes: 120/318 blocks (38%), 0:05 elapsed, ~0:08 left");
  EXPECT_EQ(progress_line("simpson", 0, 100, 0.3, std::nullopt),
            "simpson: 0/100 blocks (0%), 0:00 elapsed, estimating");
  EXPECT_EQ(progress_line("p", 5, 10, 3725.0, 61.0), "p: 5/10 blocks (50%), 1:02:05 elapsed, ~1:01 left");
}

TEST(Progress, NeverClaimsDoneEarlyAndFitsOneLine) {
  // Rank 0's share is an estimate under dynamic distribution: it may do more blocks than expected.
  EXPECT_EQ(progress_line("p", 12, 10, 1.0, 0.0), "p: 12/10 blocks (99%), 0:01 elapsed, ~0:00 left");
  EXPECT_LE(progress_line(std::string(200, 'x'), 1, 2, 1.0, 1.0).size(), 79U);
}

}  // namespace
}  // namespace parscale
