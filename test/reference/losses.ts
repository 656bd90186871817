/**
 * Reference (f64) losses, reduced as the mean over ALL elements (Keras per-sample mean over the
 * last axis followed by the mean over the batch equals the global mean for equal-sized rows).
 * Each returns the loss and its gradient w.r.t. yPred (same length as yPred).
 *
 * binaryCrossentropy (tfjs-layers/dist/losses.js `binaryCrossentropy`):
 *   p = clip(yPred, eps, 1 - eps), eps = 1e-7 (tfjs-layers `epsilon()` = backend epsilon, float32)
 *   loss_i = -(t log p + (1 - t) log(1 - p))
 *   tfjs computes it as sigmoidCrossEntropyWithLogits(t, log(p / (1 - p))), which is the same
 *   value; its gradient w.r.t. p is (p - t) / (p (1 - p)).
 *   Gradient: (p - t) / (p (1 - p)) / count where eps <= yPred <= 1 - eps, else 0 (clip_by_value's
 *   gradient passes only where min <= x <= max; exactly-at-bound counts as inside).
 *   float32 note: in a float32 implementation (TF.js, our wasm) the bound 1 - 1e-7 is stored as
 *   Math.fround(1 - 1e-7) = 1 - 2^-23 = 0.99999988079, so an element clipped at the TOP costs
 *   -log(1.1920929e-7) = 15.942 instead of -log(1e-7) = 16.118. Pass { float32Clip: true } to use
 *   the float32-rounded bounds (lo = fround(eps), hi = fround(1 - eps)) and match such kernels.
 * meanSquaredError:  mean (p - t)^2,  grad 2 (p - t) / count
 * meanAbsoluteError: mean |p - t|,    grad sign(p - t) / count, 0 where p == t
 *   (NB: tfjs-core's Abs gradient is dy * step(x, -1), i.e. -1 at x == 0; we follow TF/Python's
 *   sign(x), 0 at equality, as specified.)
 */
export interface LossResult {
  loss: number;
  grad: Float64Array;
}

export const BCE_EPSILON = 1e-7;

function checkSame(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue length ${yTrue.length} != yPred length ${yPred.length}`);
  }
  if (yPred.length === 0) throw new RangeError('empty loss input');
  return yPred.length;
}

export interface BinaryCrossentropyOptions {
  /** clip epsilon, default 1e-7 */
  epsilon?: number;
  /** round the clip bounds to float32 as a float32 kernel stores them (default false) */
  float32Clip?: boolean;
}

export function binaryCrossentropy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  opts: BinaryCrossentropyOptions = {},
): LossResult {
  const count = checkSame(yTrue, yPred);
  const epsilon = opts.epsilon ?? BCE_EPSILON;
  const lo = opts.float32Clip ? Math.fround(epsilon) : epsilon;
  const hi = opts.float32Clip ? Math.fround(1 - epsilon) : 1 - epsilon;
  const grad = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const t = yTrue[i];
    const raw = yPred[i];
    const p = Math.min(Math.max(raw, lo), hi);
    sum += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    const inside = raw >= lo && raw <= hi;
    grad[i] = inside ? (p - t) / (p * (1 - p)) / count : 0;
  }
  return { loss: sum / count, grad };
}

export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): LossResult {
  const count = checkSame(yTrue, yPred);
  const grad = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const d = yPred[i] - yTrue[i];
    sum += d * d;
    grad[i] = (2 * d) / count;
  }
  return { loss: sum / count, grad };
}

export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): LossResult {
  const count = checkSame(yTrue, yPred);
  const grad = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const d = yPred[i] - yTrue[i];
    sum += Math.abs(d);
    grad[i] = d > 0 ? 1 / count : d < 0 ? -1 / count : 0;
  }
  return { loss: sum / count, grad };
}
