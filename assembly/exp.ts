// exp in f32 for the sigmoid (activations.ts): one scalar function and its 4-lane twin, the same
// operations in the same order (separate multiplies and adds, never a fused multiply-add, in every
// build), so every build gives the same bits.
//
// see: Cephes expf.c (Stephen L. Moshier): n = x·log2(e) rounded to nearest, r = x - n·ln2 (ln2 split in
// two: 0.693359375 has 9 bits, so n times it is exact in f32), exp(x) = 2^n · (1 + r + r²·P(r)). Relative
// error about 1 ulp. Only x in [EXP_MIN, 0] gets exp(x) (the sigmoid passes -|z|, and takes 0 where
// -|z| < EXP_MIN: expF32 is not called there, expF32x4's lanes are masked out): there 2^n is a normal
// number, n in [-126, 0]. n is rounded by adding ROUND = 1.5·2^23
// (t = n + ROUND has n in its low mantissa bits, two's complement), and 2^n's bits are t's shifted left
// by 23 (ROUND's own bits there are zeros) plus 127's.

/** The most negative x expF32 takes: exp(EXP_MIN) is about 1.2e-38, a normal f32. */
export const EXP_MIN: f32 = -87.33;
const LOG2E: f32 = 1.44269504088896341;
const ROUND: f32 = 12582912;   // 1.5 * 2^23
const LN2_HI: f32 = 0.693359375, LN2_LO: f32 = -2.12194440e-4;
const E0: f32 = 1.9875691500e-4, E1: f32 = 1.3981999507e-3, E2: f32 = 8.3334519073e-3;
const E3: f32 = 4.1665795894e-2, E4: f32 = 1.6666665459e-1, E5: f32 = 5.0000001201e-1;

/** exp(x) for x in [EXP_MIN, 0] (the readable spec of expF32x4). */
@inline export function expF32(x: f32): f32 {
  const t = x * LOG2E + ROUND;                       // n + ROUND exactly: n in its low mantissa bits
  const n = t - ROUND;
  const r = (x - n * LN2_HI) - n * LN2_LO;
  const z = r * r;
  // P(r) = ((E0 r + E1) r² + (E2 r + E3)) r² + (E4 r + E5): Estrin's order, a shorter chain than Horner's
  const p = (((E0 * r + E1) * z + (E2 * r + E3)) * z + (E4 * r + E5)) * z + r + 1;
  return p * reinterpret<f32>((reinterpret<i32>(t) << 23) + (127 << 23));   // 2^n
}

// expF32x4's constants, each splatted to 4 lanes, read with plain loads: V8 rebuilds a v128 constant
// wherever it is used (three instructions each); with splats this exp took 1.5x as long in a loop.
@lazy const EXP_K = memory.data<f32>([
  LOG2E, LOG2E, LOG2E, LOG2E, ROUND, ROUND, ROUND, ROUND, LN2_HI, LN2_HI, LN2_HI, LN2_HI, LN2_LO, LN2_LO, LN2_LO, LN2_LO,
  E0, E0, E0, E0, E1, E1, E1, E1, E2, E2, E2, E2, E3, E3, E3, E3, E4, E4, E4, E4, E5, E5, E5, E5, 1, 1, 1, 1,
], 16);
@inline function k(i: usize): v128 { return v128.load(EXP_K + (i << 4)); }

/** expF32 on each lane. */
@inline export function expF32x4(x: v128): v128 {
  const t = f32x4.add(f32x4.mul(x, k(0)), k(1));
  const n = f32x4.sub(t, k(1));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, k(2))), f32x4.mul(n, k(3)));
  const z = f32x4.mul(r, r);
  const p01 = f32x4.add(f32x4.mul(k(4), r), k(5));
  const p23 = f32x4.add(f32x4.mul(k(6), r), k(7));
  const p45 = f32x4.add(f32x4.mul(k(8), r), k(9));
  let p = f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(p01, z), p23), z), p45);
  p = f32x4.add(f32x4.add(f32x4.mul(p, z), r), k(10));
  return f32x4.mul(p, i32x4.add(i32x4.shl(t, 23), k(10)));   // 1.0's bits are 127 << 23
}
