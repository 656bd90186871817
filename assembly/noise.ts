// Training-only randomness: Dropout and GaussianNoise (Keras semantics), drawn from a counter-based RNG.
//
//   x, y, dx, dy are (N, size): `size` floats per sample
//
// The random bits of element i of sample n at training step t, for a layer's seed s, are a pure function
// bits(s, t, n, i): no state, so a thread (any thread, any chunking) computes the same bits for the same
// element, and backward recomputes the dropout mask or the noise from the same hash instead of storing
// it. n is the sample's position in the batch, t the model's step (plan header H_STEP).
// see: Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3" (counter-based generators);
//      the stream is SplitMix-style: a Weyl sequence through murmur3's fmix32 finalizer.

import { logF32, logF32x4 } from './log';

const GOLDEN: u32 = 0x9E3779B9;   // 2^32 / φ: the Weyl sequence's step

// murmur3's 32-bit finalizer: a bijection that spreads every input bit over every output bit.
@inline function fmix32(h: u32): u32 {
  h ^= h >> 16; h *= 0x85EBCA6B;
  h ^= h >> 13; h *= 0xC2B2AE35;
  h ^= h >> 16;
  return h;
}

/** The key of sample n's stream at step t: (seed, step, sample) hashed, each step injective in its input. */
@inline export function streamKey(seed: u32, step: u32, n: u32): u32 {
  return fmix32(fmix32(fmix32(seed + GOLDEN) ^ step) + n * GOLDEN);
}

/** 32 random bits of element i of the stream `key`. */
@inline export function randomBits(key: u32, i: u32): u32 {
  return fmix32(key + i * GOLDEN);
}

// The same four rounds on 4 lanes (integer ops: the same bits as the scalar fmix32).
@inline function fmix32x4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16)); h = i32x4.mul(h, i32x4.splat(0x85EBCA6B));
  h = v128.xor(h, i32x4.shr_u(h, 13)); h = i32x4.mul(h, i32x4.splat(0xC2B2AE35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

// ---------------------------------------------------------------------------------------------------
// Dropout: y = keep ? x · scale : 0, keep = bits >= threshold (P(keep) = 1 - threshold / 2^32 = 1 - rate),
// scale = 1 / (1 - rate) in f32 as TF.js's dropout multiplies; dx = keep ? dy · scale : 0.

/** y = dropout(x) (dy→dx in backward: pass dy as x and dx as y) for samples n0..n1. */
export function dropoutApply(x: usize, y: usize, size: i32, n0: i32, n1: i32, seed: u32, step: u32, threshold: u32, scale: f32): void {
  for (let n = n0; n < n1; n++) {
    const key = streamKey(seed, step, <u32>n);
    const xn = x + (<usize>(n * size) << 2), yn = y + (<usize>(n * size) << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vkey = i32x4.splat(key), vthr = i32x4.splat(threshold), vscale = f32x4.splat(scale);
      const vgold = i32x4.splat(GOLDEN);
      let vi = i32x4(0, 1, 2, 3);
      for (; i + 4 <= size; i += 4) {
        const o = <usize>i << 2;
        const keep = i32x4.ge_u(fmix32x4(i32x4.add(vkey, i32x4.mul(vi, vgold))), vthr);
        v128.store(yn + o, v128.and(f32x4.mul(v128.load(xn + o), vscale), keep));
        vi = i32x4.add(vi, i32x4.splat(4));
      }
    }
    for (; i < size; i++) {
      const o = <usize>i << 2;
      store<f32>(yn + o, randomBits(key, <u32>i) >= threshold ? load<f32>(xn + o) * scale : 0);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// GaussianNoise: y = x + stddev · g, g ~ N(0, 1) by Box-Muller from the bits b1, b2 of elements 2p and
// 2p + 1 (element 2p takes r cos θ, element 2p + 1 takes r sin θ), optionally clipped to [lo, hi]. All in
// f32, 4 pairs at a time on the SIMD builds, with a scalar twin doing the same operations in the same
// order (separate multiplies and adds, never relaxed_madd): every build gives the same bits.
//   r = sqrt(-2 ln u1), u1 = (2 (b1 >> 9) + 1) / 2^24: exact in f32, in (0, 1), so ln is finite and |g| <= 5.77
//   θ = 2π b2 / 2^32 = k π/2 + t: k the nearest quarter turn ((b2 + 2^29) >> 30, mod 4), t = d π / 2^31 with
//   d = b2 - k 2^30 in [-2^29, 2^29), t in [-π/4, π/4), where Cephes's sinf and cosf polynomials hold
//   (|error| < 1e-7); cos θ and sin θ are ±cos t and ±sin t, swapped for odd k.
// see: Box & Muller 1958, "A Note on the Generation of Random Normal Deviates"; Cephes sinf.c, cosf.c, logf.c

const TWO_POW_M24: f32 = 1.0 / 16777216.0;
const ANGLE_STEP: f32 = 1.4629180792671596e-9;   // π / 2^31: t per unit of d
const HALF_QUARTER: u32 = 0x20000000;            // 2^29
const S1: f32 = -1.6666654611e-1, S2: f32 = 8.3321608736e-3, S3: f32 = -1.9515295891e-4;
const C1: f32 = 4.166664568298827e-2, C2: f32 = -1.388731625493765e-3, C3: f32 = 2.443315711809948e-5;

/** stddev · sqrt(-2 ln u1) for the radius bits b1 (the readable spec of radiusX4). */
@inline function radius(b1: u32, stddev: f32): f32 {
  const u1 = <f32>(((b1 >>> 9) << 1) | 1) * TWO_POW_M24;
  return Mathf.sqrt(<f32>-2 * logF32(u1)) * stddev;
}

@inline function radiusX4(b1: v128, stddev: v128): v128 {
  const u1 = f32x4.mul(f32x4.convert_i32x4_u(v128.or(i32x4.shl(i32x4.shr_u(b1, 9), 1), i32x4.splat(1))), f32x4.splat(TWO_POW_M24));
  return f32x4.mul(f32x4.sqrt(f32x4.mul(f32x4.splat(-2), logF32x4(u1))), stddev);
}

// sin t and cos t for t in [-π/4, π/4] (Cephes sinf / cosf), z = t².
@inline function sinPoly(t: f32, z: f32): f32 { return ((S3 * z + S2) * z + S1) * z * t + t; }
@inline function cosPoly(z: f32): f32 { return ((C3 * z + C2) * z + C1) * z * z - 0.5 * z + 1; }

// cos θ and sin θ from the angle bits b2 (the readable spec of the SIMD loop's angle part); t = θ - k π/2.
@inline function angleT(b2: u32): f32 {
  return <f32>(<i32>((b2 + HALF_QUARTER) & 0x3FFFFFFF) - <i32>HALF_QUARTER) * ANGLE_STEP;
}
@inline function cosTheta(b2: u32): f32 {
  const k = (b2 + HALF_QUARTER) >>> 30, t = angleT(b2), z = t * t;
  const v = k & 1 ? sinPoly(t, z) : cosPoly(z);
  return reinterpret<f32>(reinterpret<u32>(v) ^ (((k + 1) & 2) << 30));   // negated for k = 1, 2
}
@inline function sinTheta(b2: u32): f32 {
  const k = (b2 + HALF_QUARTER) >>> 30, t = angleT(b2), z = t * t;
  const v = k & 1 ? cosPoly(z) : sinPoly(t, z);
  return reinterpret<f32>(reinterpret<u32>(v) ^ ((k & 2) << 30));         // negated for k = 2, 3
}

// Forward: y = clip(x + noise). Backward: dx = dy where lo <= x + noise <= hi (tf.clipByValue's gradient), else 0.
@inline function noiseElement(xn: usize, yn: usize, dn: usize, dxn: usize, i: i32, noise: f32, clip: bool, lo: f32, hi: f32, backward: bool): void {
  const o = <usize>i << 2;
  const z = load<f32>(xn + o) + noise;
  if (backward) store<f32>(dxn + o, !clip || (z >= lo && z <= hi) ? load<f32>(dn + o) : 0);
  else store<f32>(yn + o, clip ? min(max(z, lo), hi) : z);
}

// noiseElement on 4 lanes (elements at byte offset o).
@inline function noiseElements(xn: usize, yn: usize, dn: usize, dxn: usize, o: usize, noise: v128, clip: bool, lo: v128, hi: v128, backward: bool): void {
  const z = f32x4.add(v128.load(xn + o), noise);
  if (backward) v128.store(dxn + o, v128.and(v128.load(dn + o), v128.and(f32x4.ge(z, lo), f32x4.le(z, hi))));
  else v128.store(yn + o, clip ? f32x4.min(f32x4.max(z, lo), hi) : z);
}

// One sample, element pairs in order: forward writes y, backward (given dy at dn, clip on) writes dx.
function noiseSample(xn: usize, yn: usize, dn: usize, dxn: usize, size: i32, key: u32, stddev: f32, clip: bool, lo: f32, hi: f32, backward: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // 4 pairs: the bits of elements i, i + 2, i + 4, i + 6 (radii) and i + 1, ..., i + 7 (angles)
    const vkey = i32x4.splat(key), vgold = i32x4.splat(GOLDEN), vstd = f32x4.splat(stddev);
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi), half = i32x4.splat(HALF_QUARTER), two = i32x4.splat(2);
    const s1 = f32x4.splat(S1), s2 = f32x4.splat(S2), s3 = f32x4.splat(S3);
    const c1 = f32x4.splat(C1), c2 = f32x4.splat(C2), c3 = f32x4.splat(C3), one = f32x4.splat(1), mhalf = f32x4.splat(0.5);
    let vi = i32x4(0, 2, 4, 6);
    for (; i + 8 <= size; i += 8) {
      const r = radiusX4(fmix32x4(i32x4.add(vkey, i32x4.mul(vi, vgold))), vstd);
      const b2 = fmix32x4(i32x4.add(vkey, i32x4.mul(i32x4.add(vi, i32x4.splat(1)), vgold)));
      const shifted = i32x4.add(b2, half);
      const k = i32x4.shr_u(shifted, 30);
      const t = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(v128.and(shifted, i32x4.splat(0x3FFFFFFF)), half)), f32x4.splat(ANGLE_STEP));
      const z = f32x4.mul(t, t);
      const sn = f32x4.add(f32x4.mul(f32x4.mul(f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(s3, z), s2), z), s1), z), t), t);
      const cs = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(c3, z), c2), z), c1), z), z),
                                     f32x4.mul(mhalf, z)), one);
      const odd = i32x4.eq(v128.and(k, i32x4.splat(1)), i32x4.splat(1));
      const cosv = v128.xor(v128.bitselect(sn, cs, odd), i32x4.shl(v128.and(i32x4.add(k, i32x4.splat(1)), two), 30));
      const sinv = v128.xor(v128.bitselect(cs, sn, odd), i32x4.shl(v128.and(k, two), 30));
      const nc = f32x4.mul(r, cosv), ns = f32x4.mul(r, sinv);
      const o = <usize>i << 2;
      noiseElements(xn, yn, dn, dxn, o, v128.shuffle<f32>(nc, ns, 0, 4, 1, 5), clip, vlo, vhi, backward);
      noiseElements(xn, yn, dn, dxn, o + 16, v128.shuffle<f32>(nc, ns, 2, 6, 3, 7), clip, vlo, vhi, backward);
      vi = i32x4.add(vi, i32x4.splat(8));
    }
  }
  for (; i < size; i += 2) {
    const r = radius(randomBits(key, <u32>i), stddev);
    const b2 = randomBits(key, <u32>(i + 1));
    noiseElement(xn, yn, dn, dxn, i, r * cosTheta(b2), clip, lo, hi, backward);
    if (i + 1 < size) noiseElement(xn, yn, dn, dxn, i + 1, r * sinTheta(b2), clip, lo, hi, backward);
  }
}

/** y = clip(x + stddev · N(0, 1)) for samples n0..n1 (clip only when `clip`). */
export function gaussianNoiseForward(x: usize, y: usize, size: i32, n0: i32, n1: i32, seed: u32, step: u32, stddev: f32, clip: bool, lo: f32, hi: f32): void {
  for (let n = n0; n < n1; n++) {
    const off = <usize>(n * size) << 2;
    noiseSample(x + off, y + off, 0, 0, size, streamKey(seed, step, <u32>n), stddev, clip, lo, hi, false);
  }
}

/** dx = dy, zero where the forward clip was active (the noise is recomputed from the hash). */
export function gaussianNoiseBackward(x: usize, dy: usize, dx: usize, size: i32, n0: i32, n1: i32, seed: u32, step: u32, stddev: f32, clip: bool, lo: f32, hi: f32): void {
  for (let n = n0; n < n1; n++) {
    const off = <usize>(n * size) << 2;
    if (!clip) { memory.copy(dx + off, dy + off, <usize>size << 2); continue; }
    noiseSample(x + off, 0, dy + off, dx + off, size, streamKey(seed, step, <u32>n), stddev, clip, lo, hi, true);
  }
}
