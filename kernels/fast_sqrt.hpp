// Double-precision square root of 8 lanes on the FMA pipes instead of the divide/sqrt unit.
//
// WHY: vsqrtpd runs in one partly pipelined unit; a sqrt-heavy loop (the Simpson kernel)
// is bound by it while both FMA pipes idle. This version uses only vrsqrt14pd, multiplies
// and FMAs, so it runs alongside vsqrtpd (see kernels/simpson.cpp for the mix).
//
// Method. For ANY y, with t = a*y and e = 1 - t*y = 1 - a*y^2:
//   sqrt(a) = t * (1 - e)^(-1/2) = t * (1 + e/2 + 3e^2/8 + 5e^3/16 + 35e^4/128 + ...).
// vrsqrt14pd gives y with relative error < 2^-14, so |e| < 2^-13 and the series cut after
// e^3 misses 35e^4/128 < 0.28 * 2^-52 relative. That cut term is always >= 0, so the
// truncation can only lower the result (one-sided, unlike Newton on sqrt, which always
// overshoots by half its squared error); at < 0.28 * 2^-52 in the worst case and far less
// on average it is invisible next to rounding. t's own rounding reaches the result halved
// (sqrt), e is computed by one FMA, which is nearly exact because t*y is within 2^-13 of 1,
// and the last FMA rounds once. Bound (tested over a sweep in tests/test_simpson.cpp):
// within fast_sqrt_max_ulps of the correctly rounded std::sqrt, no measurable mean bias.
//
// Domain: 0 (gives exactly +0: the x = 1 end point of the Simpson rule, where 1 - x^2 = 0)
// and finite positive doubles, subnormals included. Not for inf, NaN or negative input.
#pragma once

#ifdef __AVX512F__

#include <immintrin.h>

namespace parscale::simd {

// Largest distance, in units in the last place of std::sqrt(a), between fast_sqrt(a) and
// std::sqrt(a) (which is correctly rounded).
inline constexpr double fast_sqrt_max_ulps = 1.0;

// The full-mask _maskz_ forms compile to the plain instructions; they avoid GCC 12's
// false -Wmaybe-uninitialized on the unmasked intrinsics (GCC bug 105593).
inline constexpr __mmask8 all_lanes = 0xFF;

inline __m512d fast_sqrt(__m512d a) {
  // rsqrt14(0) = +inf, and 0 * inf would be NaN; capping y keeps t = 0 * y = 0, so e = 1
  // and the result is 0 + 0 * c = 0 exactly. The cap (2^600) is above any y of a positive
  // double (at most ~2^537 for the smallest subnormal), so it changes nothing else.
  const __m512d y = _mm512_maskz_min_pd(all_lanes, _mm512_maskz_rsqrt14_pd(all_lanes, a), _mm512_set1_pd(0x1p600));
  const __m512d t = _mm512_mul_pd(a, y);
  const __m512d e = _mm512_fnmadd_pd(t, y, _mm512_set1_pd(1.0));
  // c = e/2 + 3e^2/8 + 5e^3/16 by Horner; the result is t + t*c in one rounding.
  __m512d c = _mm512_fmadd_pd(e, _mm512_set1_pd(5.0 / 16.0), _mm512_set1_pd(3.0 / 8.0));
  c = _mm512_fmadd_pd(e, c, _mm512_set1_pd(0.5));
  c = _mm512_mul_pd(c, e);
  return _mm512_fmadd_pd(t, c, t);
}

}  // namespace parscale::simd

#endif  // __AVX512F__
