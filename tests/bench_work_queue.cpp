// What a grab of the dynamic distribution's work queue costs (docs/at-scale.md, "What a grab
// costs"). Every rank takes one-block chunks (`--distribution dynamic,1`) of blocks that cost
// nothing, so nothing hides a round trip, and serves between blocks as the driver does
// (drivers/driver.hpp). Per round it reports, on rank 0 as one JSON line:
// - per_grab_us: a client's wall time per grab (its run's wall time / its grabs; median over
//   the clients): the round trip to its server plus the wait while the server computes;
// - for rank 0 and the busiest other leader: requests answered, and the time inside the
//   serve() calls that answered something, per request answered (probe, receive, 24-byte
//   send), and per serve() call that found nothing (one MPI_Iprobe).
// Run it over the transport to measure, e.g. (np 20 gives two groups on one host)
//   mpirun -np 2 --mca pml ob1 --mca btl vader,self ./bench_work_queue 20000 5
//   mpirun -np 2 --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo
//          --mca oob_tcp_if_include lo ./bench_work_queue 20000 5   (one command line)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mpi_team.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct RankRound {
  double wall_s = 0.0;
  std::uint64_t grabs = 0;
  std::uint64_t answered = 0;        // requests this rank answered in serve() calls
  double answering_s = 0.0;          // time in the serve() calls that answered something
  std::uint64_t empty_polls = 0;     // serve() calls that found nothing
  double empty_s = 0.0;
  std::uint64_t served_total = 0;    // requests_served() at the end (finish() included)
};

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0.0;
  }
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  parscale::MpiTeam team(argc, argv);
  const std::uint64_t blocks = argc > 1 ? std::stoull(argv[1]) : 20000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  const parscale::ChunkPolicy policy{1, 1, 2 * static_cast<std::uint64_t>(team.size())};
  for (int round = 0; round <= rounds; ++round) {  // round 0 warms up
    team.barrier();
    RankRound mine;
    const auto start = Clock::now();
    auto queue = team.work_queue(blocks, policy);
    while (const auto grab = queue.next()) {
      mine.grabs += 1;
      for (std::uint64_t block = 0; block < grab->count; ++block) {
        const std::uint64_t before = queue.requests_served();
        const auto serve_start = Clock::now();
        queue.serve();
        const double spent = seconds_since(serve_start);
        const std::uint64_t answered = queue.requests_served() - before;
        if (answered > 0) {
          mine.answered += answered;
          mine.answering_s += spent;
        } else {
          mine.empty_polls += 1;
          mine.empty_s += spent;
        }
      }
    }
    queue.finish();
    mine.wall_s = seconds_since(start);
    mine.served_total = queue.requests_served();
    std::vector<char> bytes(sizeof(mine));
    std::memcpy(bytes.data(), &mine, sizeof(mine));
    const auto parts = team.gather_parts(bytes);
    if (team.rank() != 0 || round == 0) {
      continue;
    }
    std::vector<RankRound> all(parts.size());
    for (std::size_t r = 0; r < parts.size(); ++r) {
      std::memcpy(&all[r], parts[r].data(), sizeof(RankRound));
    }
    std::vector<double> per_grab;
    std::size_t busiest = 0;  // the other rank that answered the most: a leader, if any
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r].served_total == 0 && all[r].grabs > 0) {
        per_grab.push_back(all[r].wall_s / static_cast<double>(all[r].grabs));
      }
      if (all[r].served_total > 0 && (busiest == 0 || all[r].served_total > all[busiest].served_total)) {
        busiest = r;
      }
    }
    auto server_json = [](const RankRound& server) {
      char text[256];
      std::snprintf(text, sizeof(text),
                    "{\"served\": %llu, \"answered_in_serve\": %llu, \"us_per_answered\": %.3f, "
                    "\"us_per_empty_poll\": %.3f}",
                    static_cast<unsigned long long>(server.served_total),
                    static_cast<unsigned long long>(server.answered),
                    server.answered > 0 ? 1e6 * server.answering_s / static_cast<double>(server.answered) : 0.0,
                    server.empty_polls > 0 ? 1e6 * server.empty_s / static_cast<double>(server.empty_polls) : 0.0);
      return std::string(text);
    };
    std::printf("{\"tool\": \"bench_work_queue\", \"np\": %d, \"blocks\": %llu, \"round\": %d, \"wall_s\": %.6f, "
                "\"per_grab_us\": %.3f, \"rank0\": %s, \"leader\": %s}\n",
                team.size(), static_cast<unsigned long long>(blocks), round, all[0].wall_s, 1e6 * median(per_grab),
                server_json(all[0]).c_str(),
                busiest != 0 ? server_json(all[busiest]).c_str() : "null");
    std::fflush(stdout);
  }
  return 0;
}
