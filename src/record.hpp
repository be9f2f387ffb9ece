// The one result record of a run, and its three writers: the human summary (stdout,
// rank 0), a CSV row, and a JSON document with the run's context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel.hpp"

namespace parscale {

// 2: verdict status (PASS|FAIL|UNVERIFIED) with the reference's source, repetition
// statistics (time_cv, speedup and efficiency intervals); `valid` is 1 only for PASS.
inline constexpr int kRecordSchemaVersion = 2;

struct WorkerRecord {
  int rank = 0;
  int thread = 0;
  double busy_seconds = 0.0;
  std::uint64_t blocks = 0;
};

// The reduced worker statistics (drivers/worker_summary.hpp): exact min, max and mean; the
// median exact up to 16 workers, from a histogram with 2.7% wide bins above.
struct WorkerOverview {
  double busy_min = 0.0;
  double busy_median = 0.0;
  double busy_max = 0.0;
  bool median_exact = true;
  std::vector<WorkerRecord> slowest;  // slowest first
  std::vector<WorkerRecord> fastest;  // fastest first
  bool every_worker_listed = true;    // worker_stats holds every worker
  bool detail_asked = false;          // --worker-detail
};

struct RunRecord {
  std::string program;
  std::string kernel;
  std::string label;
  nlohmann::json parameters = nlohmann::json::object();  // the kernel's problem parameters
  std::uint64_t work_size = 0;
  std::string work_unit;
  std::uint64_t block_size = 0;
  std::uint64_t blocks = 0;

  std::string model;
  int ranks = 1;
  int threads = 1;
  int workers = 1;  // ranks * threads = p
  std::string schedule;      // "-" where the model has no threads
  std::string distribution;  // "-" where the model has one rank
  bool oversubscribed = false;  // more workers on a host than it has CPUs
  int nodes = 1;                // distinct nodes (Slurm node names, else host names) of the ranks

  int warmup = 0;
  int repeat = 0;
  std::vector<double> seconds;  // one per repetition
  double time_min = 0.0;
  double time_median = 0.0;
  double time_max = 0.0;
  double reduction_seconds = 0.0;  // the median repetition's reduction and gathers, slowest rank

  double time_cv = 0.0;         // coefficient of variation of `seconds` (NaN below 2)
  double elapsed_seconds = 0.0;  // the whole protocol: warm-ups, repetitions, baseline

  std::string baseline_kind;    // measured-serial | sampled-serial | given | none
  double baseline_seconds = 0;  // NaN when none (median of baseline_repetitions when measured)
  std::vector<double> baseline_repetitions;  // measured serial times, paired with `seconds`
  double baseline_cv = 0.0;                  // their coefficient of variation (NaN below 2)
  double baseline_sample_share = 1.0;        // sampled-serial: the share of the work it ran
  bool baseline_bits_match = true;  // measured baseline gave the parallel result's exact bits
  double speedup = 0;           // NaN when no baseline
  double efficiency = 0;        // speedup / workers
  double karp_flatt = 0;        // NaN when workers == 1 or no baseline
  double speedup_low = 0;       // the interval (NaN when none; interval_method says why)
  double speedup_high = 0;
  double efficiency_low = 0;
  double efficiency_high = 0;
  std::string interval_method;
  bool spread_too_large = false;  // the interval is wider than kSpreadWarningRelativeWidth

  std::vector<WorkerRecord> worker_stats;  // every worker, or only the named ones (see overview)
  WorkerOverview worker_overview;
  double imbalance = 1.0;  // max/mean busy time over workers

  Verdict verdict;
  nlohmann::json kernel_details = nlohmann::json::object();  // anything else the kernel reports
  nlohmann::json context = nlohmann::json::object();
  std::string timestamp;  // UTC, ISO 8601
};

// Fills time_cv, baseline_cv, speedup, efficiency, Karp-Flatt and the intervals from the
// timing and baseline fields.
void compute_metrics(RunRecord& record);

// max/mean of busy times (1 when there is nothing to compare).
double load_imbalance(const std::vector<WorkerRecord>& workers);

std::string human_summary(const RunRecord& record);
std::string verdict_line(const RunRecord& record);

// The CSV schema: the header and one row; the columns are declared once, in record.cpp.
std::string csv_header();
std::string csv_row(const RunRecord& record);

// The schema version a CSV row was written by (its first cell), 0 when it names none: lets
// the writer refuse, in one line, to append to a file of another schema.
int csv_row_schema_version(const std::string& row);

nlohmann::json to_json(const RunRecord& record);
// The whole JSON file: {"schema_version", "context", "run"}.
std::string json_document(const RunRecord& record);

}  // namespace parscale
