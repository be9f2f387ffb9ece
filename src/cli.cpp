#include "cli.hpp"

#include <cmath>
#include <cctype>
#include <cstdlib>
#include <limits>
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

// "auto" or an integer in [min, max].
std::optional<int> read_auto_int(const po::variables_map& values, const std::string& option, int min, int max) {
  if (text_of(values, option) == "auto") {
    return std::nullopt;
  }
  const std::string text = text_of(values, option);
  const auto value = parse_count(text);
  if (!value || *value < static_cast<std::uint64_t>(min) || *value > static_cast<std::uint64_t>(max)) {
    throw UsageError(fmt::format("--{}: expected auto or an integer in [{}, {}], got '{}'", option, min, max, text));
  }
  return static_cast<int>(*value);
}

VerifyPolicy parse_verify(const std::string& text) {
  if (text == "auto") return VerifyPolicy::automatic;
  if (text == "always") return VerifyPolicy::always;
  if (text == "never") return VerifyPolicy::never;
  throw UsageError(fmt::format("--verify: expected one of auto|always|never, got '{}'", text));
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
       "cyclic where later blocks cost more: the sieve; dynamic without a chunk grabs shrinking shares, "
       "with one a fixed chunk of blocks)")
      ("repeat", po::value<std::string>()->default_value("auto"),
       "timed repetitions, 1..1000000, or auto: enough to fill --min-time, at least 3; a pass of 60 s or more "
       "is timed once")
      ("warmup", po::value<std::string>()->default_value("auto"),
       "untimed warm-up runs, 0..1000, or auto: the first pass is a warm-up if it took under 1 s")
      ("min-time", po::value<std::string>()->default_value("5"),
       "seconds of timed repetitions --repeat auto aims for, in [0, 1e6]")
      ("baseline", po::value<std::string>()->default_value("measure"),
       "serial time for speedup: measure (rank 0 runs the serial driver, interleaved with the parallel "
       "repetitions; above 8 workers on a strided sample of the blocks, an estimate), none, or seconds")
      ("verify", po::value<std::string>()->default_value("auto"),
       "check the result against a reference: auto (unless the check would take longer than the run), "
       "always, never (the result is then UNVERIFIED)")
      ("tolerance", po::value<std::string>(),
       "replace the program's tolerance for an inexact result (simpson, montecarlo), a number >= 0")
      ("csv", po::value<std::string>(), "append one row to this CSV file (header written once)")
      ("json", po::value<std::string>(), "write the record and its context to this JSON file")
      ("label", po::value<std::string>(), "free text stored in the record (e.g. a study name)")
      ("quiet,q", po::bool_switch(), "print only the verdict line")
      ("progress", po::value<std::string>()->default_value("auto"),
       "progress on stderr (rank 0: blocks done, elapsed, time left): auto (when stderr is a terminal and "
       "the run takes over 2 s; not under mpirun/srun, where stderr is a pipe), always, never")
      ("print-count", po::value<std::string>(),
       "print the integer a count such as 1e9 or 2^30 stands for, and exit (scripts use it, so the count "
       "syntax is parsed in one place)")
      ("checkpoint", po::value<std::string>(),
       "keep completed blocks in FILE.rank<R> (every 2 s) and resume from them; needs --repeat 1 --warmup 0 and "
       "--baseline none or seconds; not for montecarlo")
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

std::optional<std::uint64_t> read_count_query(const po::variables_map& values) {
  if (values.count("print-count") == 0) {
    return std::nullopt;
  }
  return read_count(values, "print-count", 0, std::numeric_limits<std::uint64_t>::max());
}

std::optional<int> omp_num_threads_from_environment() {
  const char* raw = std::getenv("OMP_NUM_THREADS");
  if (raw == nullptr) {
    return std::nullopt;
  }
  const std::string text(raw);
  // Read as libgomp reads it (so the program never accepts what the runtime ignores, e.g.
  // "1e3"): a list "4,2" of per-level counts, each blanks, an optional '+', decimal digits,
  // blanks. A bad entry anywhere makes the runtime ignore the whole variable.
  const auto refuse = [&] {
    return UsageError(fmt::format(
        "OMP_NUM_THREADS: expected an integer in [1, {}] in decimal digits (or a list of them, e.g. 4,2), got '{}'",
        kMaxThreads, text));
  };
  std::optional<int> first;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string entry = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!entry.empty() && blank(entry.front())) entry.erase(entry.begin());
    while (!entry.empty() && blank(entry.back())) entry.pop_back();
    if (!entry.empty() && entry.front() == '+') entry.erase(entry.begin());
    if (entry.empty() || entry.size() > 9 ||
        entry.find_first_not_of("0123456789") != std::string::npos) {
      throw refuse();
    }
    const int value = std::stoi(entry);
    if (value < 1 || value > kMaxThreads) {
      throw refuse();
    }
    first = first.value_or(value);
    if (comma == std::string::npos) {
      return first;
    }
    start = comma + 1;
  }
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
  options.repeat = read_auto_int(values, "repeat", 1, 1000000);
  options.warmup = read_auto_int(values, "warmup", 0, 1000);
  {
    const auto min_time = parse_real(text_of(values, "min-time"));
    if (!min_time || !(*min_time >= 0.0) || *min_time > 1e6) {
      throw UsageError(fmt::format("--min-time: expected seconds in [0, 1e6], got '{}'", text_of(values, "min-time")));
    }
    options.min_time = *min_time;
  }
  options.baseline = parse_baseline(text_of(values, "baseline"));
  options.verify = parse_verify(text_of(values, "verify"));
  if (values.count("tolerance") != 0) {
    const auto tolerance = parse_real(text_of(values, "tolerance"));
    if (!tolerance || !(*tolerance >= 0.0) || std::isinf(*tolerance)) {
      throw UsageError(
          fmt::format("--tolerance: expected a finite number >= 0, got '{}'", text_of(values, "tolerance")));
    }
    options.tolerance = *tolerance;
  }
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
  const std::string progress = text_of(values, "progress");
  const auto progress_mode = parse_progress_mode(progress);
  if (!progress_mode) {
    throw UsageError(fmt::format("--progress: expected one of auto|always|never, got '{}'", progress));
  }
  options.progress = *progress_mode;
  if (values.count("checkpoint") != 0) {
    options.checkpoint_path = text_of(values, "checkpoint");
    if (options.checkpoint_path.empty()) throw UsageError("--checkpoint: expected a file path, got ''");
    // One computation to resume: one timed pass and no warm-up, whatever the defaults say.
    options.repeat = options.repeat.value_or(1);
    options.warmup = options.warmup.value_or(0);
    if (*options.repeat != 1 || *options.warmup != 0 || options.baseline.kind == BaselineKind::measure) {
      throw UsageError("--checkpoint: resumes one computation, so it needs --repeat 1 --warmup 0 and --baseline none "
                       "(or the serial time in seconds)");
    }
  }
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

const char* to_string(VerifyPolicy policy) {
  switch (policy) {
    case VerifyPolicy::automatic: return "auto";
    case VerifyPolicy::always: return "always";
    case VerifyPolicy::never: return "never";
  }
  return "?";
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
