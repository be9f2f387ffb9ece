// The record's writers: CSV columns line up with the header and quote what needs it;
// JSON carries the same numbers; metrics follow their definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "record.hpp"

namespace parscale {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

RunRecord sample() {
  RunRecord record;
  record.program = "simpson";
  record.kernel = "simpson";
  record.label = "a, \"quoted\" label";
  record.parameters = {{"intervals", 1000}};
  record.work_size = 1001;
  record.workers = 4;
  record.ranks = 2;
  record.threads = 2;
  record.time_median = 0.5;
  record.baseline_seconds = 1.6;
  record.verdict.value_text = "3.1415926535897931";
  record.verdict.error = 1.0 / 3.0;
  record.context = {{"host", "node1"}, {"slurm_job_id", nullptr}};
  compute_metrics(record);
  return record;
}

TEST(Record, MetricsFollowTheirDefinitions) {
  const RunRecord record = sample();
  EXPECT_DOUBLE_EQ(record.speedup, 3.2);
  EXPECT_DOUBLE_EQ(record.efficiency, 0.8);
  EXPECT_NEAR(record.karp_flatt, (1 / 3.2 - 0.25) / 0.75, 1e-15);
}

TEST(Record, NoBaselineMeansNoSpeedup) {
  RunRecord record = sample();
  record.baseline_seconds = std::nan("");
  compute_metrics(record);
  EXPECT_TRUE(std::isnan(record.speedup));
  EXPECT_EQ(split_csv(csv_row(record))[22], "");  // empty cell, read as NaN
}

TEST(Record, CsvRowMatchesHeaderAndRoundTrips) {
  const RunRecord record = sample();
  const auto header = split_csv(csv_header());
  const auto row = split_csv(csv_row(record));
  ASSERT_EQ(header.size(), row.size());
  auto cell = [&](const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return row[i];
    }
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  EXPECT_EQ(header.front(), "schema_version");
  EXPECT_EQ(cell("label"), record.label);
  EXPECT_EQ(std::stod(cell("error")), 1.0 / 3.0);  // full precision
  EXPECT_EQ(cell("speedup"), "3.2");
  EXPECT_EQ(cell("host"), "node1");
  EXPECT_EQ(cell("slurm_job_id"), "");
  EXPECT_EQ(cell("parameters"), "intervals=1000");
}

TEST(Record, JsonCarriesContextAndRun) {
  const auto document = nlohmann::json::parse(json_document(sample()));
  EXPECT_EQ(document["schema_version"], kRecordSchemaVersion);
  EXPECT_EQ(document["context"]["host"], "node1");
  EXPECT_EQ(document["run"]["metrics"]["speedup"].get<double>(), 3.2);
  EXPECT_EQ(document["run"]["decomposition"]["workers"], 4);
  EXPECT_EQ(document["run"]["result"]["value"], "3.1415926535897931");
}

TEST(Record, IntervalIsTheRangeOfThePairedRatios) {
  RunRecord record = sample();
  record.baseline_kind = "measured-serial";
  record.seconds = {0.5, 0.4, 0.6};
  record.baseline_repetitions = {1.6, 1.2, 2.4};  // ratios 3.2, 3.0, 4.0
  record.time_median = 0.5;
  record.baseline_seconds = 1.6;
  compute_metrics(record);
  EXPECT_DOUBLE_EQ(record.speedup_low, 3.0);
  EXPECT_DOUBLE_EQ(record.speedup_high, 4.0);
  EXPECT_DOUBLE_EQ(record.efficiency_low, 0.75);
  EXPECT_DOUBLE_EQ(record.efficiency_high, 1.0);
  EXPECT_TRUE(record.spread_too_large);  // (4 - 3) / 3.2 > 10%
  EXPECT_NEAR(record.time_cv, 0.1 / 0.5, 1e-12);
  EXPECT_NE(human_summary(record).find("warning: the speedup interval"), std::string::npos);
  record.baseline_repetitions = {1.6, 1.3, 1.9};  // ratios 3.2, 3.25, 3.1667
  compute_metrics(record);
  EXPECT_FALSE(record.spread_too_large);
  EXPECT_EQ(human_summary(record).find("warning:"), std::string::npos);
}

TEST(Record, ManyPairsGiveTheMiddleNinetyPercent) {
  RunRecord record = sample();
  record.baseline_kind = "measured-serial";
  record.seconds.assign(20, 1.0);
  record.baseline_repetitions.clear();
  for (int k = 1; k <= 20; ++k) {
    record.baseline_repetitions.push_back(static_cast<double>(k));  // ratios 1..20
  }
  record.time_median = 1.0;
  record.baseline_seconds = 10.5;
  compute_metrics(record);
  EXPECT_DOUBLE_EQ(record.speedup_low, 1.0);    // nearest rank ceil(0.05 * 20) = 1
  EXPECT_DOUBLE_EQ(record.speedup_high, 19.0);  // ceil(0.95 * 20) = 19
  EXPECT_NE(record.interval_method.find("5th .. 95th"), std::string::npos);
}

TEST(Record, NoIntervalBelowThreeRepetitionsAndTheSummarySaysWhy) {
  RunRecord record = sample();
  record.baseline_kind = "measured-serial";
  record.seconds = {0.5, 0.5};
  record.baseline_repetitions = {1.6, 1.6};
  compute_metrics(record);
  EXPECT_TRUE(std::isnan(record.speedup_low));
  EXPECT_NE(human_summary(record).find("interval needs at least 3"), std::string::npos);
}

TEST(Record, SchemaTwoColumnsAndTheVerdictStatus) {
  RunRecord record = sample();
  record.verdict.status = VerdictStatus::unverified;
  record.verdict.reference_source = "none: not checked (--verify never)";
  const auto header = split_csv(csv_header());
  const auto row = split_csv(csv_row(record));
  const std::vector<std::string> tail(header.end() - 9, header.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"status", "reference_source", "time_cv", "speedup_low", "speedup_high",
                                            "efficiency_low", "efficiency_high", "nodes", "reduction_s"}));
  EXPECT_EQ(row[header.size() - 9], "UNVERIFIED");
  EXPECT_EQ(row[header.size() - 8], "none: not checked (--verify never)");
  EXPECT_EQ(row[0], "2");
  EXPECT_EQ(csv_row_schema_version(csv_row(record)), 2);
  EXPECT_EQ(csv_row_schema_version("1,2026-01-01T00:00:00Z,simpson"), 1);
  EXPECT_EQ(csv_row_schema_version("schema_version,timestamp"), 0);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "valid") {
      EXPECT_EQ(row[i], "0");  // UNVERIFIED is never valid
    }
  }
  EXPECT_NE(verdict_line(record).find("verdict: UNVERIFIED"), std::string::npos);
}

TEST(Record, ImbalanceIsMaxOverMean) {
  EXPECT_DOUBLE_EQ(load_imbalance({{0, 0, 1.0, 1}, {0, 1, 3.0, 1}}), 1.5);
  EXPECT_DOUBLE_EQ(load_imbalance({}), 1.0);
}

}  // namespace
}  // namespace parscale
