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
// GaussianNoise: y = x + stddev · g, g ~ N(0, 1) by Box-Muller from the bits of elements 2p and 2p + 1
// (element 2p takes r cos θ, element 2p + 1 takes r sin θ), optionally clipped to [lo, hi]; f64 math per
// pair on both builds (no SIMD log or cos), so both builds give the same bits.
// see: Box & Muller 1958, "A Note on the Generation of Random Normal Deviates"

const TWO_POW_M32: f64 = 1.0 / 4294967296.0;

// One sample, element pairs in order: forward writes y, backward (given dy at dn) writes dx.
function noiseSample(xn: usize, yn: usize, dn: usize, dxn: usize, size: i32, key: u32, stddev: f64, clip: bool, lo: f32, hi: f32, backward: bool): void {
  for (let i = 0; i < size; i += 2) {
    const u1 = (<f64>randomBits(key, <u32>i) + 0.5) * TWO_POW_M32;   // in (0, 1): the log is finite (|g| < 6.7)
    const u2 = <f64>randomBits(key, <u32>(i + 1)) * TWO_POW_M32;
    const r = Math.sqrt(-2.0 * Math.log(u1)) * stddev;
    const theta = 2.0 * Math.PI * u2;
    noiseElement(xn, yn, dn, dxn, i, <f32>(r * Math.cos(theta)), clip, lo, hi, backward);
    if (i + 1 < size) noiseElement(xn, yn, dn, dxn, i + 1, <f32>(r * Math.sin(theta)), clip, lo, hi, backward);
  }
}

// Forward: y = clip(x + noise). Backward: dx = dy where lo <= x + noise <= hi (tf.clipByValue's gradient), else 0.
@inline function noiseElement(xn: usize, yn: usize, dn: usize, dxn: usize, i: i32, noise: f32, clip: bool, lo: f32, hi: f32, backward: bool): void {
  const o = <usize>i << 2;
  const z = load<f32>(xn + o) + noise;
  if (backward) store<f32>(dxn + o, !clip || (z >= lo && z <= hi) ? load<f32>(dn + o) : 0);
  else store<f32>(yn + o, clip ? min(max(z, lo), hi) : z);
}

/** y = clip(x + stddev · N(0, 1)) for samples n0..n1 (clip only when `clip`). */
export function gaussianNoiseForward(x: usize, y: usize, size: i32, n0: i32, n1: i32, seed: u32, step: u32, stddev: f32, clip: bool, lo: f32, hi: f32): void {
  for (let n = n0; n < n1; n++) {
    const off = <usize>(n * size) << 2;
    noiseSample(x + off, y + off, 0, 0, size, streamKey(seed, step, <u32>n), <f64>stddev, clip, lo, hi, false);
  }
}

/** dx = dy, zero where the forward clip was active (the noise is recomputed from the hash). */
export function gaussianNoiseBackward(x: usize, dy: usize, dx: usize, size: i32, n0: i32, n1: i32, seed: u32, step: u32, stddev: f32, clip: bool, lo: f32, hi: f32): void {
  for (let n = n0; n < n1; n++) {
    const off = <usize>(n * size) << 2;
    if (!clip) { memory.copy(dx + off, dy + off, <usize>size << 2); continue; }
    noiseSample(x + off, 0, dy + off, dx + off, size, streamKey(seed, step, <u32>n), <f64>stddev, clip, lo, hi, true);
  }
}
