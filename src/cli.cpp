#include "cli.hpp"

#include <cstdlib>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "numbers.hpp"

namespace parscale {

namespace {

std::string text_of(const po::variables_map& values, const std::string& option) {
  return values[option].as<std::string>();
}

int read_int(const po::variables_map& values, const std::string& option, int min, int max) {
  return static_cast<int>(read_count(values, option, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max)));
}

Model parse_model(const std::string& text) {
  if (text == "auto") return Model::automatic;
  if (text == "serial") return Model::serial;
  if (text == "openmp") return Model::openmp;
  if (text == "mpi") return Model::mpi;
  if (text == "hybrid") return Model::hybrid;
  throw UsageError(fmt::format("--model: expected one of auto|serial|openmp|mpi|hybrid, got '{}'", text));
}

// "kind" or "kind,chunk" with chunk a count in [1, max_chunk].
std::pair<std::string, std::uint64_t> split_kind_chunk(const std::string& option, const std::string& text,
                                                       const std::string& accepted, std::uint64_t max_chunk) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) {
    return {text, 0};
  }
  const std::string chunk_text = text.substr(comma + 1);
  const auto chunk = parse_count(chunk_text);
  if (!chunk || *chunk < 1 || *chunk > max_chunk) {
    throw UsageError(fmt::format("{}: chunk must be an integer in [1, {}] ({}), got '{}'", option,
                                 format_count(max_chunk), accepted, chunk_text));
  }
  return {text.substr(0, comma), *chunk};
}

Schedule parse_schedule(const std::string& text) {
  const std::string accepted = "static|cyclic|dynamic|guided[,chunk]";
  auto [kind, chunk] = split_kind_chunk("--schedule", text, accepted, 2147483647);
  Schedule schedule;
  schedule.chunk = chunk;
  if (kind == "static") {
    schedule.kind = ScheduleKind::static_block;
  } else if (kind == "cyclic") {
    schedule.kind = ScheduleKind::cyclic;
    if (chunk != 0) {
      throw UsageError("--schedule: cyclic takes no chunk (it is static,1); use static,CHUNK");
    }
  } else if (kind == "dynamic") {
    schedule.kind = ScheduleKind::dynamic;
  } else if (kind == "guided") {
    schedule.kind = ScheduleKind::guided;
  } else {
    throw UsageError(fmt::format("--schedule: expected one of {}, got '{}'", accepted, text));
  }
  return schedule;
}

std::pair<Distribution, std::uint64_t> parse_distribution(const std::string& text) {
  const std::string accepted = "block|cyclic|dynamic[,chunk]";
  auto [kind, chunk] = split_kind_chunk("--distribution", text, accepted, std::uint64_t{1} << 62);
  if (kind == "dynamic") {
    return {Distribution::dynamic, chunk};
  }
  if (chunk != 0 && (kind == "block" || kind == "cyclic")) {
    throw UsageError(fmt::format("--distribution: only dynamic takes a chunk ({}), got '{}'", accepted, text));
  }
  if (kind == "block") return {Distribution::block, 0};
  if (kind == "cyclic") return {Distribution::cyclic, 0};
  throw UsageError(fmt::format("--distribution: expected one of {}, got '{}'", accepted, text));
}

Baseline parse_baseline(const std::string& text) {
  if (text == "measure") return {BaselineKind::measure, 0.0};
  if (text == "none") return {BaselineKind::none, 0.0};
  const auto seconds = parse_real(text);
  if (!seconds || *seconds <= 0.0 || *seconds > 1e9) {
    throw UsageError(fmt::format("--baseline: expected measure, none or seconds in (0, 1e9], got '{}'", text));
  }
  return {BaselineKind::given, *seconds};
}

}  // namespace

void add_common_options(po::options_description& options) {
  // Values are read as text and parsed here, so every error names its option and range.
  options.add_options()
      ("model", po::value<std::string>()->default_value("auto"),
       "auto|serial|openmp|mpi|hybrid; auto = mpi with more than one rank, openmp otherwise")
      ("threads", po::value<std::string>(),
       "OpenMP threads per rank, 1..4096 (default: OMP_NUM_THREADS, else all cores; 1 for mpi)")
      ("schedule", po::value<std::string>(),
       "OpenMP schedule over blocks: static|cyclic|dynamic|guided[,chunk] (openmp, hybrid; default static, "
       "or cyclic where later blocks cost more: the sieve)")
      ("distribution", po::value<std::string>(),
       "how ranks share blocks: block|cyclic|dynamic[,chunk] (mpi, hybrid; default block, or "
       "cyclic where later blocks cost more: the sieve)")
      ("repeat", po::value<std::string>()->default_value("3"), "timed repetitions, 1..1000000")
      ("warmup", po::value<std::string>()->default_value("1"), "untimed warm-up runs, 0..1000")
      ("baseline", po::value<std::string>()->default_value("measure"),
       "serial time for speedup: measure (rank 0 runs the serial driver first), none, or seconds")
      ("csv", po::value<std::string>(), "append one row to this CSV file (header written once)")
      ("json", po::value<std::string>(), "write the record and its context to this JSON file")
      ("label", po::value<std::string>(), "free text stored in the record (e.g. a study name)")
      ("quiet,q", po::bool_switch(), "print only the verdict line")
      ("worker-detail", po::bool_switch(),
       "list every worker (rank.thread) in the summary and the JSON; by default above 16 workers the "
       "statistics are reduced over ranks and only the slowest and fastest are named")
      ("help,h", po::bool_switch(), "show this help and exit")
      ("version", po::bool_switch(), "show the version and build and exit");
}

std::uint64_t read_count(const po::variables_map& values, const std::string& option, std::uint64_t min,
                         std::uint64_t max) {
  const std::string text = text_of(values, option);
  const auto value = parse_count(text);
  if (!value || *value < min || *value > max) {
    throw UsageError(fmt::format("--{}: expected an integer in [{}, {}], got '{}'", option, format_count(min),
                                 format_count(max), text));
  }
  return *value;
}

std::optional<int> omp_num_threads_from_environment() {
  const char* raw = std::getenv("OMP_NUM_THREADS");
  if (raw == nullptr) {
    return std::nullopt;
  }
  std::string text(raw);
  // OpenMP allows a per-level list "4,2": the first entry is this level's.
  const std::string first = text.substr(0, text.find(','));
  const auto value = parse_count(first);
  if (!value || *value < 1 || *value > static_cast<std::uint64_t>(kMaxThreads)) {
    throw UsageError(fmt::format("OMP_NUM_THREADS: expected an integer in [1, {}], got '{}'", kMaxThreads, text));
  }
  return static_cast<int>(*value);
}

CommonOptions read_common_options(const po::variables_map& values) {
  CommonOptions options;
  options.model = parse_model(text_of(values, "model"));
  if (values.count("threads") != 0) {
    options.threads = read_int(values, "threads", 1, kMaxThreads);
  }
  if (values.count("schedule") != 0) {
    options.schedule = parse_schedule(text_of(values, "schedule"));
  }
  if (values.count("distribution") != 0) {
    auto [distribution, chunk] = parse_distribution(text_of(values, "distribution"));
    options.distribution = distribution;
    options.dynamic_chunk = chunk;
  }
  options.repeat = read_int(values, "repeat", 1, 1000000);
  options.warmup = read_int(values, "warmup", 0, 1000);
  options.baseline = parse_baseline(text_of(values, "baseline"));
  if (values.count("csv") != 0) {
    options.csv_path = text_of(values, "csv");
    if (options.csv_path.empty()) throw UsageError("--csv: expected a file path, got ''");
  }
  if (values.count("json") != 0) {
    options.json_path = text_of(values, "json");
    if (options.json_path.empty()) throw UsageError("--json: expected a file path, got ''");
  }
  if (values.count("label") != 0) {
    options.label = text_of(values, "label");
    if (options.label.find_first_of("\n\r") != std::string::npos) {
      throw UsageError("--label: expected one line of text");
    }
    try {
      static_cast<void>(nlohmann::json(options.label).dump());
    } catch (const nlohmann::json::type_error&) {
      throw UsageError("--label: expected UTF-8 text (it goes into the JSON record)");
    }
  }
  options.quiet = values["quiet"].as<bool>();
  options.worker_detail = values["worker-detail"].as<bool>();
  return options;
}

po::variables_map parse_command_line(int argc, char** argv, const po::options_description& options) {
  po::variables_map values;
  // Words that are not options are collected so the error can quote the first of them.
  po::options_description with_strays;
  with_strays.add(options).add_options()("parscale-stray-arguments", po::value<std::vector<std::string>>());
  po::positional_options_description strays;
  strays.add("parscale-stray-arguments", -1);
  try {
    po::store(po::command_line_parser(argc, argv).options(with_strays).positional(strays).style(
                  po::command_line_style::default_style & ~po::command_line_style::allow_guessing).run(),
              values);
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(fmt::format("{} (see --help)", error.what()));
  }
  if (values.count("parscale-stray-arguments") != 0) {
    throw UsageError(fmt::format("unexpected argument '{}': every value belongs to an option (see --help)",
                                 values["parscale-stray-arguments"].as<std::vector<std::string>>().front()));
  }
  return values;
}

std::string baseline_name(const Baseline& baseline) {
  switch (baseline.kind) {
    case BaselineKind::measure: return "measured-serial";
    case BaselineKind::none: return "none";
    case BaselineKind::given: return "given";
  }
  return "?";
}

}  // namespace parscale
