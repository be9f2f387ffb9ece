#include "montecarlo.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace parscale {

namespace sampling {

std::uint64_t count_hits_portable(const philox::Key& key, std::uint64_t stream, std::uint64_t first,
                                  std::uint64_t count) {
  const std::uint64_t end = first + count;
  std::uint64_t sample = first;
  std::uint64_t hits = 0;
  if (sample < end && sample % 2 == 1) {  // the second sample of a Philox block
    const philox::Words words = philox::random123(key, stream, sample / 2);
    hits += is_hit(words[2], words[3]) ? 1 : 0;
    ++sample;
  }
  const std::uint64_t first_block = sample / 2;
  const std::uint64_t blocks = (end - sample) / 2;
  // No `omp simd` here: GCC's forced vectorisation of Random123's round function is 3x
  // slower than the scalar loop (bench_montecarlo, BM_PortableLoop).
  for (std::uint64_t k = 0; k < blocks; ++k) {
    const philox::Words words = philox::random123(key, stream, first_block + k);
    hits += (is_hit(words[0], words[1]) ? 1 : 0) + (is_hit(words[2], words[3]) ? 1 : 0);
  }
  sample += 2 * blocks;
  if (sample < end) {  // the first sample of a Philox block
    const philox::Words words = philox::random123(key, stream, sample / 2);
    hits += is_hit(words[0], words[1]) ? 1 : 0;
  }
  return hits;
}

void generate_portable(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count,
                       std::uint32_t* words) {
  for (std::uint64_t k = 0; k < count; ++k) {
    const philox::Words block = philox::random123(key, stream, first + k);
    std::copy(block.begin(), block.end(), words + 4 * k);
  }
}

#if defined(__AVX512F__)

// GCC 12 reports the unmasked AVX-512 intrinsics' own _mm512_undefined pass-through
// operand as "(may be) used uninitialized" once they are inlined here: a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace {

// Eight Philox4x32-10 evaluations at once, one per 64-bit lane: each 32-bit word lives in
// the low half of its lane, so a round's two 32x32->64 products are one vpmuludq each
// (which reads only the low halves, so the high halves may hold garbage until the end).
struct Lanes {
  __m512i w0, w1, w2, w3;
};

// Everything that is the same in all lanes of a run of counters that share the stream and
// the index's high word (counter words 1..3): the round keys, and the parts of rounds 1-3
// that depend on those words only. Only counter word 0 (the index's low word) varies.
struct SegmentConstants {
  __m512i multiplier0;
  __m512i multiplier1;
  __m512i round_key0[philox::kRounds];
  __m512i round_key1[philox::kRounds];
  __m512i round1_w2_xor;  // counter[3] ^ key1 (round 1)
  __m512i round2_w0_xor;  // lo(M1 * counter[2]) ^ key0 bumped once (round 2)
  __m512i round2_w2_xor;  // hi(M0 * round-1 w0) ^ key1 bumped once (round 2)
  __m512i round3_w2_xor;  // lo(M0 * round-1 w0) ^ key1 bumped twice (round 3)
};

SegmentConstants segment_constants(const philox::Key& key, std::uint64_t stream, std::uint32_t index_high) {
  SegmentConstants constants{};
  constants.multiplier0 = _mm512_set1_epi64(philox::kMultiplier0);
  constants.multiplier1 = _mm512_set1_epi64(philox::kMultiplier1);
  std::uint32_t key0[philox::kRounds];
  std::uint32_t key1[philox::kRounds];
  key0[0] = key.low;
  key1[0] = key.high;
  for (int round = 1; round < philox::kRounds; ++round) {
    key0[round] = key0[round - 1] + philox::kKeyBump0;
    key1[round] = key1[round - 1] + philox::kKeyBump1;
  }
  for (int round = 0; round < philox::kRounds; ++round) {
    constants.round_key0[round] = _mm512_set1_epi64(key0[round]);
    constants.round_key1[round] = _mm512_set1_epi64(key1[round]);
  }
  const auto stream_low = static_cast<std::uint32_t>(stream);
  const auto stream_high = static_cast<std::uint32_t>(stream >> 32);
  // Round 1: w0 = hi(M1 * counter[2]) ^ counter[1] ^ key0 and w1 = lo(M1 * counter[2])
  // are the same in every lane, hence round 2's product M0 * w0 too.
  const std::uint64_t product1 = std::uint64_t{philox::kMultiplier1} * stream_low;
  const std::uint32_t round1_w0 = static_cast<std::uint32_t>(product1 >> 32) ^ index_high ^ key0[0];
  const auto round1_w1 = static_cast<std::uint32_t>(product1);
  const std::uint64_t product0 = std::uint64_t{philox::kMultiplier0} * round1_w0;
  constants.round1_w2_xor = _mm512_set1_epi64(stream_high ^ key1[0]);
  constants.round2_w0_xor = _mm512_set1_epi64(round1_w1 ^ key0[1]);
  constants.round2_w2_xor = _mm512_set1_epi64(static_cast<std::uint32_t>(product0 >> 32) ^ key1[1]);
  constants.round3_w2_xor = _mm512_set1_epi64(static_cast<std::uint32_t>(product0) ^ key1[2]);
  return constants;
}

constexpr int kXor3 = 0x96;  // vpternlogq truth table of a ^ b ^ c

// Philox4x32-10 of the counters (index, stream) for eight 64-bit indices sharing their high
// word (the one `c` was made for). Rounds 1-3 skip the work whose inputs are all constant.
inline Lanes philox_x8(__m512i index, const SegmentConstants& c) {
  // Round 1: only w2 and w3 vary.
  const __m512i r1_p0 = _mm512_mul_epu32(index, c.multiplier0);
  const __m512i r1_w2 = _mm512_xor_si512(_mm512_srli_epi64(r1_p0, 32), c.round1_w2_xor);
  const __m512i r1_w3 = r1_p0;
  // Round 2: w3 is constant (lo of the constant product), the others vary.
  const __m512i r2_p1 = _mm512_mul_epu32(r1_w2, c.multiplier1);
  Lanes w{_mm512_xor_si512(_mm512_srli_epi64(r2_p1, 32), c.round2_w0_xor), r2_p1,
          _mm512_xor_si512(r1_w3, c.round2_w2_xor), _mm512_setzero_si512()};
  // Round 3: w3 of round 2 is folded into round3_w2_xor.
  {
    const __m512i p0 = _mm512_mul_epu32(w.w0, c.multiplier0);
    const __m512i p1 = _mm512_mul_epu32(w.w2, c.multiplier1);
    w = Lanes{_mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), w.w1, c.round_key0[2], kXor3), p1,
              _mm512_xor_si512(_mm512_srli_epi64(p0, 32), c.round3_w2_xor), p0};
  }
  for (int round = 3; round < philox::kRounds; ++round) {
    const __m512i p0 = _mm512_mul_epu32(w.w0, c.multiplier0);
    const __m512i p1 = _mm512_mul_epu32(w.w2, c.multiplier1);
    w = Lanes{_mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), w.w1, c.round_key0[round], kXor3), p1,
              _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), w.w3, c.round_key1[round], kXor3), p0};
  }
  return w;
}

// is_hit() on eight lanes.
inline __mmask8 hit_mask(__m512i x_lanes, __m512i y_lanes, __m512i low32) {
  const __m512i x = _mm512_and_si512(x_lanes, low32);
  const __m512i y = _mm512_and_si512(y_lanes, low32);
  const __m512i px = _mm512_add_epi64(_mm512_mul_epu32(x, x), x);
  const __m512i py = _mm512_add_epi64(_mm512_mul_epu32(y, y), y);
  return _mm512_cmpge_epu64_mask(_mm512_add_epi64(px, py), px);
}

__m512i lane_indices(std::uint64_t first) {
  return _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first)), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
}

// Hits in Philox blocks [first_block, first_block + 16 * batches), which must all share
// the index's high word: two samples per block.
std::uint64_t count_hits_avx512(const philox::Key& key, std::uint64_t stream, std::uint64_t first_block,
                                std::uint64_t batches) {
  const SegmentConstants constants = segment_constants(key, stream, static_cast<std::uint32_t>(first_block >> 32));
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFFLL);
  const __m512i step = _mm512_set1_epi64(16);
  __m512i index_a = lane_indices(first_block);
  __m512i index_b = lane_indices(first_block + 8);
  // Two independent batches per iteration keep the multiplier busy while a round's
  // dependency chain (multiply, shift, xor) completes. The hit masks are counted on the
  // scalar side (popcnt), which is otherwise idle.
  std::uint64_t hits = 0;
  for (std::uint64_t batch = 0; batch < batches; ++batch) {
    const Lanes a = philox_x8(index_a, constants);
    const Lanes b = philox_x8(index_b, constants);
    const unsigned masks = unsigned{hit_mask(a.w0, a.w1, low32)} | unsigned{hit_mask(a.w2, a.w3, low32)} << 8 |
                           unsigned{hit_mask(b.w0, b.w1, low32)} << 16 | unsigned{hit_mask(b.w2, b.w3, low32)} << 24;
    hits += static_cast<std::uint64_t>(std::popcount(masks));
    index_a = _mm512_add_epi64(index_a, step);
    index_b = _mm512_add_epi64(index_b, step);
  }
  return hits;
}

}  // namespace

bool has_avx512() { return true; }

std::uint64_t count_hits(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count) {
  constexpr std::uint64_t kSamplesPerBatch = 32;                    // 16 Philox blocks
  constexpr std::uint64_t kSamplesPerSegment = std::uint64_t{1} << 33;  // blocks sharing the index's high word
  const std::uint64_t end = first + count;
  std::uint64_t sample = first;
  std::uint64_t hits = 0;
  while (sample < end) {
    if (sample % 2 == 1) {
      hits += count_hits_portable(key, stream, sample, 1);
      ++sample;
    }
    const std::uint64_t segment_end = std::min(end, (sample / kSamplesPerSegment + 1) * kSamplesPerSegment);
    const std::uint64_t batches = (segment_end - std::min(sample, segment_end)) / kSamplesPerBatch;
    if (batches > 0) {
      hits += count_hits_avx512(key, stream, sample / 2, batches);
      sample += batches * kSamplesPerBatch;
    }
    const std::uint64_t rest_end = std::max(sample, segment_end);
    hits += count_hits_portable(key, stream, sample, rest_end - sample);
    sample = rest_end;
  }
  return hits;
}

void generate(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count,
              std::uint32_t* words) {
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFFLL);
  std::uint64_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const std::uint64_t index = first + k;
    if ((index >> 32) != ((index + 7) >> 32)) {  // the lanes must share the high word
      generate_portable(key, stream, index, 8, words + 4 * k);
      continue;
    }
    const Lanes lanes = philox_x8(lane_indices(index), segment_constants(key, stream, static_cast<std::uint32_t>(index >> 32)));
    const __m512i word_lanes[4] = {lanes.w0, lanes.w1, lanes.w2, lanes.w3};
    for (int word = 0; word < 4; ++word) {
      alignas(64) std::uint64_t values[8];
      _mm512_store_si512(values, _mm512_and_si512(word_lanes[word], low32));
      for (int lane = 0; lane < 8; ++lane) {
        words[4 * (k + static_cast<std::uint64_t>(lane)) + static_cast<std::uint64_t>(word)] =
            static_cast<std::uint32_t>(values[lane]);
      }
    }
  }
  generate_portable(key, stream, first + k, count - k, words + 4 * k);
}

#pragma GCC diagnostic pop

#else  // no AVX-512: the portable loop is the shipped one

bool has_avx512() { return false; }

std::uint64_t count_hits(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count) {
  return count_hits_portable(key, stream, first, count);
}

void generate(const philox::Key& key, std::uint64_t stream, std::uint64_t first, std::uint64_t count,
              std::uint32_t* words) {
  generate_portable(key, stream, first, count, words);
}

#endif

}  // namespace sampling

const char* to_string(StreamMode mode) { return mode == StreamMode::rank ? "rank" : "block"; }

double pi_estimate_sigma(std::uint64_t samples) {
  constexpr double q = std::numbers::pi / 4.0;
  return 4.0 * std::sqrt(q * (1.0 - q) / static_cast<double>(samples));
}

MonteCarloPi::MonteCarloPi(std::uint64_t samples, std::uint64_t seed, StreamMode streams)
    : samples_(samples), seed_(seed), streams_(streams), key_(philox::key_from_seed(seed)) {
  if (samples < min_samples || samples > max_samples) {
    throw std::invalid_argument(fmt::format("samples must be in [1, 2^62], got {}", samples));
  }
}

MonteCarloPi::Partial MonteCarloPi::compute(std::uint64_t begin, std::uint64_t end, const WorkerId& worker) const {
  if (begin >= end) {
    return 0;
  }
  if (streams_ == StreamMode::rank) {
    return sampling::count_hits(key_, worker_stream(worker), begin, end - begin);
  }
  // Block mode: the stream is the block, the counter the index within it. A range may
  // cross blocks (the drivers pass whole blocks, tests pass anything).
  std::uint64_t hits = 0;
  for (std::uint64_t block = begin / samples_per_block; block * samples_per_block < end; ++block) {
    const std::uint64_t block_begin = block * samples_per_block;
    const std::uint64_t from = std::max(begin, block_begin);
    const std::uint64_t to = std::min(end, block_begin + samples_per_block);
    hits += sampling::count_hits(key_, block, from - block_begin, to - from);
  }
  return hits;
}

MonteCarloPi::Value MonteCarloPi::finalize(const Partial& hits) const {
  return PiEstimate{hits, samples_, 4.0 * static_cast<double>(hits) / static_cast<double>(samples_),
                    pi_estimate_sigma(samples_)};
}

Verdict MonteCarloPi::verdict(const Value& estimate) const {
  Verdict verdict;
  verdict.value = estimate.pi;
  verdict.value_text = fmt::format("{:.17g}", estimate.pi);
  // The hit count is the exact result: equal detail <=> equal bits.
  verdict.detail = fmt::format("hits {} of {}, sigma {:.3e}", estimate.hits, estimate.samples, estimate.sigma);
  verdict.reference_text = fmt::format("{:.17g}", std::numbers::pi);
  verdict.error = std::abs(estimate.pi - std::numbers::pi);
  verdict.tolerance = sigmas_allowed * estimate.sigma;
  verdict.status = pass_if(verdict.error <= verdict.tolerance);
  verdict.reference_source = "closed form: pi, within 5 sigma of the sampling error";
  verdict.criterion = fmt::format(
      "|pi_est - pi| <= {:g} sigma, sigma = 4*sqrt(q(1-q)/N), q = pi/4 (statistical: a correct run fails "
      "with probability 5.7e-7)",
      sigmas_allowed);
  return verdict;
}

void MonteCarloPi::describe(nlohmann::json& parameters) const {
  parameters["samples"] = samples_;
  parameters["seed"] = seed_;
  parameters["streams"] = to_string(streams_);
  parameters["samples_per_block"] = samples_per_block;
  parameters["generator"] = "Philox4x32-10";
  parameters["generator_path"] = sampling::has_avx512() ? "avx512" : "portable";
}

void MonteCarloPi::describe_workers(nlohmann::json& details, int ranks, int threads) const {
  details["streams"] = to_string(streams_);
  details["key"] = "seed";
  if (streams_ == StreamMode::block) {
    details["counter"] = "(index of the sample pair within its block, block index)";
    details["stream_count"] = block_count(samples_, samples_per_block);
    return;
  }
  details["counter"] = "(global index of the sample pair, worker stream id)";
  nlohmann::json workers = nlohmann::json::array();
  for (int rank = 0; rank < ranks; ++rank) {
    for (int thread = 0; thread < threads; ++thread) {
      const WorkerId worker{rank, ranks, thread, threads};
      workers.push_back({{"rank", rank}, {"thread", thread}, {"stream", worker_stream(worker)}});
    }
  }
  details["worker_streams"] = workers;
}

}  // namespace parscale
