#include "placement.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mpi_team.hpp"
#include "record.hpp"

namespace parscale {

namespace {

template <class T>
void append_capped(std::vector<T>& into, const std::vector<T>& later, std::size_t cap) {
  for (auto it = later.begin(); it != later.end() && into.size() < cap; ++it) {
    into.push_back(*it);
  }
}

nlohmann::json to_json(const RankEntry& entry) { return {entry.rank, entry.host, entry.cpus, entry.cpu_count}; }
nlohmann::json to_json(const NodeEntry& entry) {
  return {entry.host, entry.ranks, entry.workers, entry.cpus, entry.cpu_count};
}

template <class T>
nlohmann::json list_to_json(const std::vector<T>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : entries) {
    list.push_back(to_json(entry));
  }
  return list;
}

std::vector<RankEntry> rank_entries(const nlohmann::json& list) {
  std::vector<RankEntry> entries;
  for (const auto& item : list) {
    entries.push_back({item.at(0).get<int>(), item.at(1).get<std::string>(), item.at(2).get<std::string>(),
                       item.at(3).get<int>()});
  }
  return entries;
}

std::vector<NodeEntry> node_entries(const nlohmann::json& list) {
  std::vector<NodeEntry> entries;
  for (const auto& item : list) {
    entries.push_back({item.at(0).get<std::string>(), item.at(1).get<int>(), item.at(2).get<int>(),
                       item.at(3).get<std::string>(), item.at(4).get<int>()});
  }
  return entries;
}

}  // namespace

PlacementSummary rank_placement_summary(int rank, const RankPlacement& placement, int threads, bool list_ranks) {
  PlacementSummary summary;
  summary.threads = threads;
  summary.list_ranks = list_ranks;
  const RankEntry entry{rank, placement.host, cpu_list(placement.cpus), static_cast<int>(placement.cpus.size())};
  if (list_ranks) {
    summary.ranks.push_back(entry);
  }
  if (threads > 1 && static_cast<int>(placement.cpus.size()) < threads) {
    summary.short_ranks.push_back(entry);
    summary.short_rank_count = 1;
  }
  summary.open_host = placement.host;
  summary.open_ranks = 1;
  summary.open_cpus = placement.cpus;
  if (summary.open_cpus.empty()) {  // affinity unknown: assume the whole host
    for (int cpu = 0; cpu < placement.online_cpus; ++cpu) {
      summary.open_cpus.push_back(cpu);
    }
  }
  std::sort(summary.open_cpus.begin(), summary.open_cpus.end());
  summary.open_cpus.erase(std::unique(summary.open_cpus.begin(), summary.open_cpus.end()), summary.open_cpus.end());
  return summary;
}

void merge_placements(PlacementSummary& into, const PlacementSummary& later) {
  append_capped(into.ranks, later.ranks, kRanksListed);
  append_capped(into.short_ranks, later.short_ranks, kWarningsListed);
  into.short_rank_count += later.short_rank_count;
  append_capped(into.nodes, later.nodes, kNodesListed);
  append_capped(into.oversubscribed_nodes, later.oversubscribed_nodes, kWarningsListed);
  into.node_count += later.node_count;
  into.oversubscribed_node_count += later.oversubscribed_node_count;
  if (later.open_ranks != 0) {  // within a node: the same host, more ranks, more CPUs
    into.open_ranks += later.open_ranks;
    std::vector<int> cpus;
    std::set_union(into.open_cpus.begin(), into.open_cpus.end(), later.open_cpus.begin(), later.open_cpus.end(),
                   std::back_inserter(cpus));
    into.open_cpus = std::move(cpus);
  }
}

void close_node(PlacementSummary& summary) {
  const NodeEntry node{summary.open_host, summary.open_ranks, summary.open_ranks * summary.threads,
                       cpu_list(summary.open_cpus), static_cast<int>(summary.open_cpus.size())};
  const bool oversubscribed = node.workers > node.cpu_count;
  summary.nodes.push_back(node);
  summary.node_count = 1;
  if (oversubscribed) {
    summary.oversubscribed_nodes.push_back(node);
    summary.oversubscribed_node_count = 1;
  }
  summary.open_host.clear();
  summary.open_ranks = 0;
  summary.open_cpus = {};
  // Cut to the caps the merge keeps (a node's own listing is not capped while it is open).
  summary.short_ranks.resize(std::min(summary.short_ranks.size(), kWarningsListed));
}

std::vector<char> to_bytes(const PlacementSummary& summary) {
  const nlohmann::json document = {
      {"threads", summary.threads},
      {"list_ranks", summary.list_ranks},
      {"ranks", list_to_json(summary.ranks)},
      {"short_ranks", list_to_json(summary.short_ranks)},
      {"short_rank_count", summary.short_rank_count},
      {"nodes", list_to_json(summary.nodes)},
      {"oversubscribed_nodes", list_to_json(summary.oversubscribed_nodes)},
      {"node_count", summary.node_count},
      {"oversubscribed_node_count", summary.oversubscribed_node_count},
      {"open_host", summary.open_host},
      {"open_ranks", summary.open_ranks},
      {"open_cpus", summary.open_cpus},
  };
  const std::string text = document.dump();
  return {text.begin(), text.end()};
}

PlacementSummary placement_from_bytes(const std::vector<char>& bytes) {
  const auto document = nlohmann::json::parse(bytes.begin(), bytes.end());
  PlacementSummary summary;
  summary.threads = document.at("threads").get<int>();
  summary.list_ranks = document.at("list_ranks").get<bool>();
  summary.ranks = rank_entries(document.at("ranks"));
  summary.short_ranks = rank_entries(document.at("short_ranks"));
  summary.short_rank_count = document.at("short_rank_count").get<std::uint64_t>();
  summary.nodes = node_entries(document.at("nodes"));
  summary.oversubscribed_nodes = node_entries(document.at("oversubscribed_nodes"));
  summary.node_count = document.at("node_count").get<std::uint64_t>();
  summary.oversubscribed_node_count = document.at("oversubscribed_node_count").get<std::uint64_t>();
  summary.open_host = document.at("open_host").get<std::string>();
  summary.open_ranks = document.at("open_ranks").get<int>();
  summary.open_cpus = document.at("open_cpus").get<std::vector<int>>();
  return summary;
}

PlacementSummary summarize_placement(MpiTeam& team, int threads) {
  const RankPlacement placement = this_rank_placement();
  const bool list_ranks = static_cast<std::size_t>(team.size()) <= kRanksListed;
  const std::vector<char> combined = team.reduce_by_node(
      placement.host, to_bytes(rank_placement_summary(team.rank(), placement, threads, list_ranks)),
      {[](std::vector<char>& into, const std::vector<char>& later) {
         PlacementSummary summary = placement_from_bytes(into);
         merge_placements(summary, placement_from_bytes(later));
         into = to_bytes(summary);
       },
       [](std::vector<char>& node) {
         PlacementSummary summary = placement_from_bytes(node);
         close_node(summary);
         node = to_bytes(summary);
       }});
  return team.rank() == 0 ? placement_from_bytes(combined) : PlacementSummary{};
}

std::vector<std::string> describe_placement(RunRecord& record, const PlacementSummary& summary) {
  std::vector<std::string> warnings;
  for (const RankEntry& entry : summary.short_ranks) {
    warnings.push_back(fmt::format(
        "rank {} runs {} threads on {} CPU(s) ({}): threads share cores. Under mpirun use --map-by slot:PE={} or "
        "--bind-to none; under srun pass --cpus-per-task={}",
        entry.rank, summary.threads, entry.cpu_count, entry.cpus, summary.threads, summary.threads));
  }
  if (summary.short_rank_count > summary.short_ranks.size()) {
    warnings.push_back(fmt::format("{} more ranks run more threads than they have CPUs (not listed)",
                                   summary.short_rank_count - summary.short_ranks.size()));
  }
  for (const NodeEntry& node : summary.oversubscribed_nodes) {
    warnings.push_back(fmt::format("{} workers share {} CPU(s) on host {}: oversubscribed, so the times do not "
                                   "measure scaling (the record is marked oversubscribed)",
                                   node.workers, node.cpu_count, node.host));
  }
  if (summary.oversubscribed_node_count > summary.oversubscribed_nodes.size()) {
    warnings.push_back(fmt::format("{} more nodes are oversubscribed (not listed)",
                                   summary.oversubscribed_node_count - summary.oversubscribed_nodes.size()));
  }
  record.oversubscribed = summary.oversubscribed_node_count > 0;
  record.nodes = static_cast<int>(summary.node_count);
  nlohmann::json ranks = nlohmann::json::array();  // empty above kRanksListed ranks: see "nodes_detail"
  for (const RankEntry& entry : summary.ranks) {
    ranks.push_back({{"rank", entry.rank}, {"host", entry.host}, {"cpus", entry.cpus}});
  }
  record.context["ranks"] = ranks;
  record.context["hosts"] = summary.node_count;
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeEntry& node : summary.nodes) {
    nodes.push_back({{"host", node.host}, {"ranks", node.ranks}, {"workers", node.workers}, {"cpus", node.cpus}});
  }
  record.context["nodes_detail"] = nodes;
  record.context["nodes_not_listed"] = summary.node_count - summary.nodes.size();
  return warnings;
}

}  // namespace parscale
