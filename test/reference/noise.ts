/**
 * Reference (f64, plain JS) of the noise layers' randomness and formulas, written from their definitions
 * (assembly/noise.ts's header), not from its code paths:
 *   bits(seed, step, n, i) = fmix32(key + i·G), key = fmix32(fmix32(fmix32(seed + G) ^ step) + n·G),
 *   G = 0x9E3779B9, fmix32 = murmur3's finalizer; all arithmetic mod 2^32.
 *   dropout:  keep = bits >= threshold; y = keep ? x · scale : 0; dx = keep ? dy · scale : 0
 *   noise:    pair p = (2p, 2p + 1): u1 = (2 floor(bits(2p) / 2^9) + 1) / 2^24, u2 = bits(2p + 1) / 2^32,
 *             r = sqrt(-2 ln u1), g(2p) = r cos(2π u2), g(2p + 1) = r sin(2π u2);
 *             y = clip(x + stddev · g); dx = dy where lo <= x + stddev · g <= hi, else 0
 */
const G = 0x9E3779B9;

function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85EBCA6B);
  h ^= h >>> 13; h = Math.imul(h, 0xC2B2AE35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function streamKey(seed: number, step: number, n: number): number {
  return fmix32((fmix32((fmix32((seed + G) >>> 0) ^ step) >>> 0) + Math.imul(n, G)) >>> 0);
}

export function randomBits(key: number, i: number): number {
  return fmix32((key + Math.imul(i, G)) >>> 0);
}

/** Keep mask of one sample (size elements). */
export function dropoutMask(seed: number, step: number, n: number, size: number, threshold: number): boolean[] {
  const key = streamKey(seed, step, n);
  return Array.from({ length: size }, (_, i) => randomBits(key, i) >= threshold);
}

/** N(0, 1) draws of one sample, f64. */
export function gaussianDraws(seed: number, step: number, n: number, size: number): Float64Array {
  const key = streamKey(seed, step, n);
  const g = new Float64Array(size);
  for (let i = 0; i < size; i += 2) {
    const u1 = (2 * (randomBits(key, i) >>> 9) + 1) / 2 ** 24;
    const u2 = randomBits(key, i + 1) / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u1));
    g[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < size) g[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return g;
}

/** The FNV-1a hash of a layer name: the seed a noise layer draws with when it has none of its own. */
export function nameSeed(name: string): number {
  let h = 0x811C9DC5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
