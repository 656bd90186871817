// Synthetic data of MNIST's shape: "clean" images uniform in [0, 1), "noisy" = clean + 0.4 N(0, 1)
// clipped to [0, 1] (the tutorial's noise). Speed does not depend on the pixel values.
import { Random, tensor } from '../../dist/index.js';

export function makeData(n, seed = 1) {
  const r = new Random(seed);
  const clean = new Float32Array(n * 784);
  for (let i = 0; i < clean.length; i++) clean[i] = r.uniform();
  const noisy = new Float32Array(n * 784);
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.min(1, Math.max(0, clean[i] + 0.4 * r.normal()));
  return { x: tensor(noisy, [n, 28, 28, 1]), y: tensor(clean, [n, 28, 28, 1]) };
}

/** n samples made by repeating `distinct` generated ones (fast, and the same memory as n distinct). */
export function makeLargeData(n, distinct = 1000, seed = 1) {
  const base = makeData(distinct, seed);
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n * 784);
  for (let at = 0; at < n; at += distinct) {
    const k = Math.min(distinct, n - at);
    x.set(base.x.data.subarray(0, k * 784), at * 784);
    y.set(base.y.data.subarray(0, k * 784), at * 784);
  }
  return { x: tensor(x, [n, 28, 28, 1]), y: tensor(y, [n, 28, 28, 1]) };
}

/** n synthetic clean images as bytes (uniform 0-255), `distinct` generated ones repeated; no float copy. */
export function makeLargeBytes(n, distinct = 1000, seed = 1) {
  const r = new Random(seed);
  const base = Uint8Array.from({ length: distinct * 784 }, () => Math.floor(r.uniform() * 256));
  const out = new Uint8Array(n * 784);
  for (let at = 0; at < n; at += distinct) out.set(base.subarray(0, Math.min(distinct, n - at) * 784), at * 784);
  return out;
}
