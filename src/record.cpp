#include "record.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "statistics.hpp"

namespace parscale {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Shortest text that reads back to the same double; fmt ignores the locale.
std::string number(double value) {
  if (std::isnan(value)) {
    return "";  // empty CSV cell: pandas reads it as NaN
  }
  return fmt::format("{}", value);
}

// A text cell a spreadsheet would execute (=, +, -, @, tab or CR first, e.g. a label
// "=cmd|'/C calc'!A0") gets a leading apostrophe, so it is shown as text. Numbers (a
// negative Karp-Flatt, "-1.5e-3") and the lone "-" placeholder are left as they are; the
// JSON keeps every text as given.
std::string neutralise_formula(std::string_view text) {
  if (text.size() < 2 || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos) {
    return std::string(text);
  }
  double value = 0.0;
  const char* last = text.data() + text.size();
  const auto [end, error] = std::from_chars(text.data() + (text.front() == '+' ? 1 : 0), last, value);
  if (error == std::errc() && end == last) {
    return std::string(text);
  }
  std::string neutral(1, '\'');
  neutral.append(text);
  return neutral;
}

std::string csv_quote(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

std::string context_text(const RunRecord& record, const char* key) {
  const auto it = record.context.find(key);
  if (it == record.context.end() || it->is_null()) {
    return "";
  }
  return it->is_string() ? it->get<std::string>()
                          : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "key=value;key=value": the kernel's parameters in one cell without commas.
std::string parameters_text(const nlohmann::json& parameters) {
  std::string text;
  for (const auto& [key, value] : parameters.items()) {
    if (!text.empty()) {
      text += ';';
    }
    text += key + "=" + (value.is_string() ? value.get<std::string>()
                                                : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return text;
}

struct Column {
  const char* name;
  std::function<std::string(const RunRecord&)> cell;
};

// The CSV schema, in one place. Append new columns at the end and bump
// kRecordSchemaVersion when a column changes meaning.
const std::vector<Column>& columns() {
  static const std::vector<Column> all = {
      {"schema_version", [](const RunRecord&) { return std::to_string(kRecordSchemaVersion); }},
      {"timestamp", [](const RunRecord& r) { return r.timestamp; }},
      {"program", [](const RunRecord& r) { return r.program; }},
      {"kernel", [](const RunRecord& r) { return r.kernel; }},
      {"label", [](const RunRecord& r) { return r.label; }},
      {"parameters", [](const RunRecord& r) { return parameters_text(r.parameters); }},
      {"work_size", [](const RunRecord& r) { return std::to_string(r.work_size); }},
      {"work_unit", [](const RunRecord& r) { return r.work_unit; }},
      {"model", [](const RunRecord& r) { return r.model; }},
      {"ranks", [](const RunRecord& r) { return std::to_string(r.ranks); }},
      {"threads", [](const RunRecord& r) { return std::to_string(r.threads); }},
      {"workers", [](const RunRecord& r) { return std::to_string(r.workers); }},
      {"schedule", [](const RunRecord& r) { return r.schedule; }},
      {"distribution", [](const RunRecord& r) { return r.distribution; }},
      {"oversubscribed", [](const RunRecord& r) { return std::string(r.oversubscribed ? "1" : "0"); }},
      {"warmup", [](const RunRecord& r) { return std::to_string(r.warmup); }},
      {"repeat", [](const RunRecord& r) { return std::to_string(r.repeat); }},
      {"time_min_s", [](const RunRecord& r) { return number(r.time_min); }},
      {"time_median_s", [](const RunRecord& r) { return number(r.time_median); }},
      {"time_max_s", [](const RunRecord& r) { return number(r.time_max); }},
      {"baseline", [](const RunRecord& r) { return r.baseline_kind; }},
      {"baseline_s", [](const RunRecord& r) { return number(r.baseline_seconds); }},
      {"speedup", [](const RunRecord& r) { return number(r.speedup); }},
      {"efficiency", [](const RunRecord& r) { return number(r.efficiency); }},
      {"karp_flatt", [](const RunRecord& r) { return number(r.karp_flatt); }},
      {"imbalance", [](const RunRecord& r) { return number(r.imbalance); }},
      {"throughput_per_s", [](const RunRecord& r) {
         return number(r.time_median > 0 ? static_cast<double>(r.work_size) / r.time_median : kNaN);
       }},
      {"result", [](const RunRecord& r) { return r.verdict.value_text; }},
      {"reference", [](const RunRecord& r) { return r.verdict.reference_text; }},
      {"error", [](const RunRecord& r) { return number(r.verdict.error); }},
      {"tolerance", [](const RunRecord& r) { return number(r.verdict.tolerance); }},
      {"valid", [](const RunRecord& r) { return std::string(r.verdict.passed() ? "1" : "0"); }},
      {"host", [](const RunRecord& r) { return context_text(r, "host"); }},
      {"git_commit", [](const RunRecord& r) { return context_text(r, "git_commit"); }},
      {"slurm_job_id", [](const RunRecord& r) { return context_text(r, "slurm_job_id"); }},
      {"slurm_array_task_id", [](const RunRecord& r) { return context_text(r, "slurm_array_task_id"); }},
      // Schema 2.
      {"status", [](const RunRecord& r) { return std::string(to_string(r.verdict.status)); }},
      {"reference_source", [](const RunRecord& r) { return r.verdict.reference_source; }},
      {"time_cv", [](const RunRecord& r) { return number(r.time_cv); }},
      {"speedup_low", [](const RunRecord& r) { return number(r.speedup_low); }},
      {"speedup_high", [](const RunRecord& r) { return number(r.speedup_high); }},
      {"efficiency_low", [](const RunRecord& r) { return number(r.efficiency_low); }},
      {"efficiency_high", [](const RunRecord& r) { return number(r.efficiency_high); }},
      {"nodes", [](const RunRecord& r) { return std::to_string(r.nodes); }},
      {"reduction_s", [](const RunRecord& r) { return number(r.reduction_seconds); }},
  };
  return all;
}

nlohmann::json number_or_null(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

double load_imbalance(const std::vector<WorkerRecord>& workers) {
  if (workers.empty()) {
    return 1.0;
  }
  double total = 0.0;
  double most = 0.0;
  for (const auto& worker : workers) {
    total += worker.busy_seconds;
    most = std::max(most, worker.busy_seconds);
  }
  const double mean = total / static_cast<double>(workers.size());
  return mean > 0.0 ? most / mean : 1.0;
}

void compute_metrics(RunRecord& record) {
  record.time_cv = coefficient_of_variation(record.seconds);
  record.baseline_cv = coefficient_of_variation(record.baseline_repetitions);
  record.speedup = kNaN;
  record.efficiency = kNaN;
  record.karp_flatt = kNaN;
  record.speedup_low = kNaN;
  record.speedup_high = kNaN;
  record.efficiency_low = kNaN;
  record.efficiency_high = kNaN;
  record.spread_too_large = false;
  const SpeedupInterval interval =
      speedup_interval(record.baseline_kind, record.baseline_seconds, record.baseline_repetitions, record.seconds);
  record.interval_method = interval.method;
  if (std::isnan(record.baseline_seconds) || record.time_median <= 0.0) {
    return;
  }
  const double p = static_cast<double>(record.workers);
  record.speedup = record.baseline_seconds / record.time_median;
  record.efficiency = record.speedup / p;
  if (record.workers > 1) {
    record.karp_flatt = (1.0 / record.speedup - 1.0 / p) / (1.0 - 1.0 / p);
  }
  if (interval.available) {
    record.speedup_low = interval.low;
    record.speedup_high = interval.high;
    record.efficiency_low = interval.low / p;
    record.efficiency_high = interval.high / p;
    record.spread_too_large = (interval.high - interval.low) / record.speedup > kSpreadWarningRelativeWidth;
  }
}

std::string csv_header() {
  std::string header;
  for (const auto& column : columns()) {
    if (!header.empty()) {
      header += ',';
    }
    header += column.name;
  }
  return header;
}

int csv_row_schema_version(const std::string& row) {
  const std::string first = row.substr(0, row.find(','));
  if (first.empty() || first.size() > 6 || first.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::stoi(first);
}

std::string csv_row(const RunRecord& record) {
  std::string row;
  bool first = true;
  for (const auto& column : columns()) {
    if (!first) {
      row += ',';
    }
    first = false;
    row += csv_quote(neutralise_formula(column.cell(record)));
  }
  return row;
}

nlohmann::json to_json(const RunRecord& record) {
  const auto worker_json = [](const WorkerRecord& worker) {
    return nlohmann::json{
        {"rank", worker.rank}, {"thread", worker.thread}, {"busy_s", worker.busy_seconds}, {"blocks", worker.blocks}};
  };
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& worker : record.worker_stats) {
    workers.push_back(worker_json(worker));
  }
  const WorkerOverview& overview = record.worker_overview;
  nlohmann::json slowest = nlohmann::json::array();
  for (const auto& worker : overview.slowest) {
    slowest.push_back(worker_json(worker));
  }
  nlohmann::json fastest = nlohmann::json::array();
  for (const auto& worker : overview.fastest) {
    fastest.push_back(worker_json(worker));
  }
  return {
      {"program", record.program},
      {"kernel", record.kernel},
      {"label", record.label},
      {"timestamp", record.timestamp},
      {"parameters", record.parameters},
      {"work", {{"size", record.work_size}, {"unit", record.work_unit}, {"block_size", record.block_size},
                {"blocks", record.blocks}}},
      {"decomposition", {{"model", record.model}, {"ranks", record.ranks}, {"threads", record.threads},
                         {"workers", record.workers}, {"schedule", record.schedule},
                         {"distribution", record.distribution}, {"oversubscribed", record.oversubscribed},
                         {"nodes", record.nodes}}},
      {"timing", {{"warmup", record.warmup}, {"repeat", record.repeat}, {"seconds", record.seconds},
                  {"min_s", record.time_min}, {"median_s", record.time_median}, {"max_s", record.time_max},
                  {"cv", number_or_null(record.time_cv)}, {"elapsed_s", record.elapsed_seconds},
                  {"reduction_s", record.reduction_seconds}}},
      {"baseline", {{"kind", record.baseline_kind}, {"seconds", number_or_null(record.baseline_seconds)},
                    {"repetitions", record.baseline_repetitions}, {"cv", number_or_null(record.baseline_cv)},
                    {"sample_share", record.baseline_sample_share}, {"bits_match", record.baseline_bits_match}}},
      {"metrics", {{"speedup", number_or_null(record.speedup)}, {"efficiency", number_or_null(record.efficiency)},
                   {"karp_flatt", number_or_null(record.karp_flatt)}, {"imbalance", record.imbalance},
                   {"speedup_low", number_or_null(record.speedup_low)},
                   {"speedup_high", number_or_null(record.speedup_high)},
                   {"efficiency_low", number_or_null(record.efficiency_low)},
                   {"efficiency_high", number_or_null(record.efficiency_high)},
                   {"interval_method", record.interval_method}, {"spread_too_large", record.spread_too_large}}},
      {"result", {{"value", record.verdict.value_text}, {"detail", record.verdict.detail},
                  {"value_double", record.verdict.value},
                  {"reference", record.verdict.reference_text}, {"error", record.verdict.error},
                  {"tolerance", record.verdict.tolerance}, {"valid", record.verdict.passed()},
                  {"status", to_string(record.verdict.status)},
                  {"reference_source", record.verdict.reference_source},
                  {"criterion", record.verdict.criterion}}},
      // "workers" lists every worker when there are at most 16 or --worker-detail was given,
      // else only the named slowest and fastest ("all_listed" says which).
      {"workers", workers},
      {"worker_statistics", {{"count", record.workers}, {"busy_min_s", overview.busy_min},
                             {"busy_median_s", overview.busy_median}, {"busy_max_s", overview.busy_max},
                             {"median_exact", overview.median_exact}, {"all_listed", overview.every_worker_listed},
                             {"slowest", slowest}, {"fastest", fastest}}},
      {"kernel_details", record.kernel_details},
  };
}

std::string json_document(const RunRecord& record) {
  const nlohmann::json document = {
      {"schema_version", kRecordSchemaVersion}, {"context", record.context}, {"run", to_json(record)}};
  // Replace, never throw on, bytes that are not UTF-8 (e.g. from a SLURM_* variable): a
  // throw here would lose the record of a finished run.
  return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string verdict_line(const RunRecord& record) {
  const Verdict& verdict = record.verdict;
  const std::string result =
      verdict.detail.empty() ? verdict.value_text : fmt::format("{} [{}]", verdict.value_text, verdict.detail);
  switch (verdict.status) {
    case VerdictStatus::pass:
      return fmt::format("verdict: PASS  {} = {} (error {:.3g} <= tolerance {:.3g}; reference: {})", record.kernel,
                         result, verdict.error, verdict.tolerance, verdict.reference_source);
    case VerdictStatus::unverified:
      return fmt::format("verdict: UNVERIFIED  {} = {} (not checked; reference {})", record.kernel, result,
                         verdict.reference_source);
    case VerdictStatus::fail:
      break;
  }
  return fmt::format("verdict: FAIL  {} = {} (error {:.3g} > tolerance {:.3g}; {}; reference: {})", record.kernel,
                     result, verdict.error, verdict.tolerance, verdict.criterion, verdict.reference_source);
}

std::string human_summary(const RunRecord& record) {
  std::vector<std::pair<std::string, std::string>> lines;
  auto add = [&](std::string key, std::string value) { lines.emplace_back(std::move(key), std::move(value)); };
  add("program", record.program + (record.label.empty() ? "" : "  [" + record.label + "]"));
  add("problem", fmt::format("{} ({} {}, {} blocks of {})", parameters_text(record.parameters), record.work_size,
                             record.work_unit, record.blocks, record.block_size));
  add("model", fmt::format("{}: {} rank(s) x {} thread(s) = {} workers{}{}{}", record.model, record.ranks,
                           record.threads, record.workers,
                           record.schedule == "-" ? "" : ", schedule " + record.schedule,
                           record.distribution == "-" ? "" : ", distribution " + record.distribution,
                           record.oversubscribed ? "  (OVERSUBSCRIBED: more workers than cores)" : ""));
  add("result", record.verdict.value_text);
  if (!record.verdict.detail.empty()) {
    add("detail", record.verdict.detail);
  }
  if (record.verdict.status == VerdictStatus::unverified) {
    add("reference", record.verdict.reference_source);
  } else {
    add("reference", fmt::format("{}  ({})", record.verdict.reference_text, record.verdict.reference_source));
    add("error", fmt::format("{:.3e}  (tolerance {:.3e})", record.verdict.error, record.verdict.tolerance));
  }
  add("time", fmt::format("{:.6f} s median  (min {:.6f}, max {:.6f}; {} timed, {} warm-up){}", record.time_median,
                          record.time_min, record.time_max, record.repeat, record.warmup,
                          std::isnan(record.time_cv) ? "" : fmt::format("; cv {:.1f}%", 100.0 * record.time_cv)));
  add("reduction", fmt::format("{:.6f} s  (partials and statistics combined after the slowest rank finished; "
                               "median repetition)",
                               record.reduction_seconds));
  if (record.time_median > 0.0) {
    add("throughput", fmt::format("{:.4g} {}/s  ({:.4g} per worker)",
                                  static_cast<double>(record.work_size) / record.time_median, record.work_unit,
                                  static_cast<double>(record.work_size) / record.time_median / record.workers));
  }
  if (std::isnan(record.baseline_seconds)) {
    add("baseline", "none (--baseline none): no speedup, no interval");
  } else {
    std::string how = "given with --baseline";
    if (record.baseline_kind == "measured-serial") {
      how = "serial driver on rank 0, median, interleaved with the parallel repetitions";
    } else if (record.baseline_kind == "sampled-serial") {
      how = fmt::format("ESTIMATE: serial driver on rank 0 over every block of a strided {:.3g}% sample, scaled; "
                        "interleaved; for a measured one pass --baseline SECONDS, as scripts/scaling_study.py does",
                        100.0 * record.baseline_sample_share);
    }
    add("baseline", fmt::format("{:.6f} s ({}{}{})", record.baseline_seconds, how,
                                std::isnan(record.baseline_cv) ? ""
                                                               : fmt::format("; cv {:.1f}%", 100.0 * record.baseline_cv),
                                record.baseline_kind == "measured-serial" && !record.baseline_bits_match
                                    ? "; ITS RESULT DIFFERS FROM THE PARALLEL ONE"
                                    : ""));
    const bool interval = !std::isnan(record.speedup_low);
    add("speedup", interval ? fmt::format("{:.3f}  [{:.3f} .. {:.3f}]", record.speedup, record.speedup_low,
                                          record.speedup_high)
                            : fmt::format("{:.3f}", record.speedup));
    add("efficiency", interval ? fmt::format("{:.3f}  [{:.3f} .. {:.3f}]  (speedup / {} workers)", record.efficiency,
                                             record.efficiency_low, record.efficiency_high, record.workers)
                               : fmt::format("{:.3f}  (speedup / {} workers)", record.efficiency, record.workers));
    add("interval", interval ? record.interval_method : "none: " + record.interval_method);
    if (!std::isnan(record.karp_flatt)) {
      add("serial fraction", fmt::format("{:.4f}  (Karp-Flatt)", record.karp_flatt));
    }
  }
  add("imbalance", fmt::format("{:.3f}  (max/mean busy time over {} workers)", record.imbalance, record.workers));
  // One work unit per block (e.g. tasks): name the unit, not the block.
  const std::string unit = record.block_size == 1 ? record.work_unit : std::string("blocks");
  const auto busy_text = [&](const WorkerRecord& worker) {
    return fmt::format("busy {:.6f} s, {} {}", worker.busy_seconds, worker.blocks, unit);
  };
  // Every worker up to 16 (or when asked); above that a compact form that always names the
  // slowest workers, which set the time, and says how many are not listed.
  constexpr std::size_t kMaxWorkerLines = 16;
  const WorkerOverview& overview = record.worker_overview;
  if (overview.every_worker_listed && (record.worker_stats.size() <= kMaxWorkerLines || overview.detail_asked)) {
    for (const auto& worker : record.worker_stats) {
      add(fmt::format("worker r{}.t{}", worker.rank, worker.thread), busy_text(worker));
    }
  } else {
    add("busy", fmt::format("min {:.6f} s, median {:.6f} s{}, max {:.6f} s", overview.busy_min,
                            overview.busy_median, overview.median_exact ? "" : " (approximate, +-1.4%)",
                            overview.busy_max));
    for (const auto& worker : overview.slowest) {
      add(fmt::format("slowest r{}.t{}", worker.rank, worker.thread), busy_text(worker));
    }
    constexpr std::size_t kFastestLines = 3;
    for (std::size_t i = 0; i < overview.fastest.size() && i < kFastestLines; ++i) {
      add(fmt::format("fastest r{}.t{}", overview.fastest[i].rank, overview.fastest[i].thread),
          busy_text(overview.fastest[i]));
    }
    const std::size_t listed = overview.slowest.size() + std::min(overview.fastest.size(), kFastestLines);
    add("not listed", fmt::format("{} of {} workers (--worker-detail lists every one)",
                                  static_cast<std::size_t>(record.workers) - std::min<std::size_t>(
                                      listed, static_cast<std::size_t>(record.workers)),
                                  record.workers));
  }
  std::size_t width = 0;
  for (const auto& line : lines) {
    width = std::max(width, line.first.size());
  }
  std::string text;
  for (const auto& [key, value] : lines) {
    text += fmt::format("{:<{}} = {}\n", key, width, value);
  }
  if (record.spread_too_large) {
    text += fmt::format("warning: the speedup interval is {:.0f}% of the speedup (over {:.0f}%): the host's speed "
                        "varied too much for the efficiency to mean much; rerun on a quiet machine or with more "
                        "--repeat\n",
                        100.0 * (record.speedup_high - record.speedup_low) / record.speedup,
                        100.0 * kSpreadWarningRelativeWidth);
  }
  return text + verdict_line(record) + "\n";
}

}  // namespace parscale
