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

TEST(Record, ImbalanceIsMaxOverMean) {
  EXPECT_DOUBLE_EQ(load_imbalance({{0, 0, 1.0, 1}, {0, 1, 3.0, 1}}), 1.5);
  EXPECT_DOUBLE_EQ(load_imbalance({}), 1.0);
}

}  // namespace
}  // namespace parscale
