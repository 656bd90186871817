// Natural log in f32 for the cross-entropy loss (losses.ts) and GaussianNoise's radius (noise.ts): one scalar function and its 4-lane twin,
// the same operations in the same order, so both give the same bits.
//
// see: Cephes logf.c (Stephen L. Moshier): x = m * 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1,
// log(x) = f - f²/2 + f³·P(f) + e·ln2 (ln2 split in two: 0.693359375 is exact in f32). Relative error
// under 1e-7 for positive normal x; the callers pass only x in [1e-7, 1] (clipped probabilities) or in
// [2^-24, 1) (the noise's uniform draws).
// Zero, negative, subnormal, infinite and NaN inputs give wrong finite numbers from logF32; log1mF32 passes
// a NaN p on (1 - NaN is NaN, and so is the quotient), which is how the loss reports a NaN prediction.

const SQRT_HALF: f32 = 0.707106781186547524;
const P0: f32 = 7.0376836292e-2, P1: f32 = -1.1514610310e-1, P2: f32 = 1.1676998740e-1;
const P3: f32 = -1.2420140846e-1, P4: f32 = 1.4249322787e-1, P5: f32 = -1.6668057665e-1;
const P6: f32 = 2.0000714765e-1, P7: f32 = -2.4999993993e-1, P8: f32 = 3.3333331174e-1;
const LN2_LO: f32 = -2.12194440e-4, LN2_HI: f32 = 0.693359375;

/** log(x) for a positive normal x (the readable spec of logF32x4). */
@inline export function logF32(x: f32): f32 {
  const bits = reinterpret<i32>(x);
  let e = (bits >> 23) - 126;                                     // x = m * 2^e, m in [0.5, 1)
  let m = reinterpret<f32>((bits & 0x007FFFFF) | 0x3F000000);
  if (m < SQRT_HALF) { e -= 1; m = m + m; }                       // m in [sqrt(1/2), sqrt(2))
  const f = m - 1;
  const z = f * f;
  let y = (((((((P0 * f + P1) * f + P2) * f + P3) * f + P4) * f + P5) * f + P6) * f + P7) * f + P8;
  y = y * f * z;
  const ef = <f32>e;
  y = y + ef * LN2_LO;
  y = y + -0.5 * z;
  return (f + y) + ef * LN2_HI;
}

/** logF32 on each lane. */
@inline export function logF32x4(x: v128): v128 {
  const small = f32x4.splat(SQRT_HALF);
  let e = i32x4.sub(i32x4.shr_s(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F000000));
  const below = f32x4.lt(m, small);                               // all ones where m < sqrt(1/2)
  e = i32x4.add(e, below);                                        // e - 1 there
  m = f32x4.add(m, v128.and(m, below));                           // m + m there
  const f = f32x4.sub(m, f32x4.splat(1));
  const z = f32x4.mul(f, f);
  let y = f32x4.add(f32x4.mul(f32x4.splat(P0), f), f32x4.splat(P1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P2));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P3));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P4));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P5));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P6));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P7));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(P8));
  y = f32x4.mul(f32x4.mul(y, f), z);
  const ef = f32x4.convert_i32x4_s(e);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(LN2_LO)));
  y = f32x4.add(y, f32x4.mul(f32x4.splat(-0.5), z));
  return f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(LN2_HI)));
}

// log(1 - p) for p in [0, 1): u = fl(1 - p) loses p's low bits when p is small (-log(1 - p) ≈ p is then the
// whole loss of a background pixel), so take log(u) · (-p) / (u - 1) (u - 1 is exact; Goldberg's log1p
// trick, see: D. Goldberg, "What every computer scientist should know about floating-point arithmetic",
// Theorem 4), and -p where u rounds to 1.

/** log(1 - p) for p in [0, 1 - 1e-7] (the readable spec of log1mF32x4). */
@inline export function log1mF32(p: f32): f32 {
  const u: f32 = 1 - p;
  return u == 1 ? -p : -p * (logF32(u) / (u - 1));
}

/** log1mF32 on each lane. */
@inline export function log1mF32x4(p: v128): v128 {
  const one = f32x4.splat(1);
  const u = f32x4.sub(one, p), x = f32x4.neg(p);
  const r = f32x4.mul(x, f32x4.div(logF32x4(u), f32x4.sub(u, one)));
  return v128.bitselect(x, r, f32x4.eq(u, one));
}
