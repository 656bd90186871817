/**
 * Finite-difference gradient checking and comparison helpers.
 */

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). Deterministic across platforms. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float64Array of n uniform values in [lo, hi) from rng. */
export function randomArray(n: number, rng: () => number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

/** Picks arr[indices[k]] for each k. */
export function gather(arr: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = arr[indices[k]];
  return out;
}

export interface NumericGradientOptions {
  /** check only this many entries, chosen without replacement by a seeded PRNG (default: all). */
  maxEntries?: number;
  seed?: number;
}

/**
 * Central-difference gradient of the scalar f() w.r.t. the entries of `values`, which f must read
 * (values are perturbed in place and restored exactly afterwards).
 *   grad[k] ≈ (f(v + h e_i) - f(v - h e_i)) / (2h),   i = indices[k]
 * The actual step stored in `values` is used as the denominator, so rounding of the perturbed
 * value in a Float32Array does not bias the estimate.
 * Returns the checked indices (ascending) and the derivative for each.
 */
export function numericGradient(
  f: () => number,
  values: Float64Array | Float32Array,
  eps = 1e-5,
  opts: NumericGradientOptions = {},
): { indices: number[]; grad: Float64Array } {
  const n = values.length;
  let indices: number[];
  if (opts.maxEntries !== undefined && opts.maxEntries < n) {
    const rng = mulberry32(opts.seed ?? 12345);
    // partial Fisher–Yates shuffle of 0..n-1
    const all = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < opts.maxEntries; k++) {
      const j = k + Math.floor(rng() * (n - k));
      const tmp = all[k];
      all[k] = all[j];
      all[j] = tmp;
    }
    indices = all.slice(0, opts.maxEntries).sort((a, b) => a - b);
  } else {
    indices = Array.from({ length: n }, (_, i) => i);
  }

  const grad = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const orig = values[i];
    values[i] = orig + eps;
    const xPlus = values[i];
    const fPlus = f();
    values[i] = orig - eps;
    const xMinus = values[i];
    const fMinus = f();
    values[i] = orig;
    grad[k] = (fPlus - fMinus) / (xPlus - xMinus);
  }
  return { indices, grad };
}

/**
 * Largest elementwise relative error max_i |a_i - b_i| / max(|a_i|, |b_i|) (0 where both are 0;
 * Infinity if lengths differ or a NaN is involved). Scalars are accepted too.
 */
export function relativeError(a: ArrayLike<number> | number, b: ArrayLike<number> | number): number {
  const aa = typeof a === 'number' ? [a] : a;
  const bb = typeof b === 'number' ? [b] : b;
  if (aa.length !== bb.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < aa.length; i++) {
    if (Number.isNaN(aa[i]) || Number.isNaN(bb[i])) return Infinity;
    if (aa[i] === bb[i]) continue; // also covers equal infinities
    const denom = Math.max(Math.abs(aa[i]), Math.abs(bb[i]));
    const r = Math.abs(aa[i] - bb[i]) / denom;
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Throws unless |actual_i - expected_i| <= atol + rtol * |expected_i| for every i (NumPy
 * `allclose` rule; defaults rtol 1e-5, atol 1e-8). NaN never matches (not even NaN); equal
 * infinities match. The error names the worst entry: index, actual, expected, difference.
 */
export function assertClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  tol: Tolerance = {},
  label = 'values',
): void {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-8;
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  if (a.length !== e.length) {
    throw new Error(`${label}: length mismatch, actual ${a.length} vs expected ${e.length}`);
  }
  let worstIndex = -1;
  let worstScore = 1; // score = |diff| / allowed; > 1 fails
  let failures = 0;
  for (let i = 0; i < a.length; i++) {
    let score: number;
    if (Number.isNaN(a[i]) || Number.isNaN(e[i])) {
      score = Infinity;
    } else if (a[i] === e[i]) {
      score = 0;
    } else {
      const allowed = atol + rtol * Math.abs(e[i]);
      score = Math.abs(a[i] - e[i]) / allowed; // Infinity for a finite/infinite mismatch
      if (Number.isNaN(score)) score = Infinity;
    }
    if (score > 1) {
      failures++;
      if (worstIndex < 0 || score > worstScore) {
        worstScore = score;
        worstIndex = i;
      }
    }
  }
  if (failures > 0) {
    const ai = a[worstIndex];
    const ei = e[worstIndex];
    throw new Error(
      `${label}: ${failures}/${a.length} entries differ (rtol=${rtol}, atol=${atol}); worst at index ` +
        `${worstIndex}: actual ${ai}, expected ${ei}, |diff| ${Math.abs(ai - ei)}`,
    );
  }
}
