/**
 * Helpers for the TensorFlow.js parity tests: TF.js twins of our models, gradients and training on
 * the TF.js side, deterministic data, and the difference measures the tolerances are stated in.
 * Nothing here uses our library's numerics: data comes from mulberry32, weights are copied over.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedWeight, Tensor } from '../../src/index.js';
import { mulberry32 } from '../reference/gradcheck.js';

export type TfLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** tfjs-layers' own loss functions (the ones `compile({ loss: name })` uses: per-sample mean over the last axis). */
export const TF_LOSSES: Record<'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError', TfLoss> = {
  binaryCrossentropy: tf.metrics.binaryCrossentropy as TfLoss,
  meanSquaredError: tf.metrics.meanSquaredError as TfLoss,
  meanAbsoluteError: tf.metrics.meanAbsoluteError as TfLoss,
};

/** The Keras blog's convolutional denoiser, layer by layer in TF.js (what presets.kerasTutorial() claims to be). */
export function tfKerasTutorial(): tf.Sequential {
  const conv = (filters: number, activation: 'relu' | 'sigmoid' = 'relu', padding: 'same' | 'valid' = 'same', first = false) =>
    tf.layers.conv2d({ filters, kernelSize: 3, activation, padding, ...(first ? { inputShape: [28, 28, 1] } : {}) });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => tf.layers.upSampling2d({ size: [2, 2] });
  return tf.sequential({
    layers: [
      conv(16, 'relu', 'same', true), pool(), conv(8), pool(), conv(8), pool(),
      conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid'),
    ],
  });
}

/** Copies our weights (Keras order and layout) into a TF.js model, checking names' order and shapes. */
export function copyWeightsToTf(model: tf.LayersModel, weights: NamedWeight[]): void {
  const vars = model.trainableWeights;
  if (vars.length !== weights.length) throw new Error(`TF.js model has ${vars.length} weights, ours ${weights.length}`);
  vars.forEach((v, i) => {
    if (v.shape.join() !== weights[i].shape.join()) {
      throw new Error(`weight ${i}: TF.js ${v.name} [${v.shape}] vs ours ${weights[i].name} [${weights[i].shape}]`);
    }
    // kernel/bias order: both are layer by layer, kernel then bias
    if (v.name.split('/').pop() !== weights[i].name.split('/').pop()) throw new Error(`weight ${i}: ${v.name} vs ${weights[i].name}`);
  });
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
}

export function tfWeights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((t) => Float32Array.from(t.dataSync()));
}

/** Mean loss and dL/dw (trainable weights, in order) for one batch, as tfjs-layers' train function builds them. */
export function tfGradients(model: tf.LayersModel, loss: TfLoss, x: tf.Tensor, y: tf.Tensor): { loss: number; grads: Float32Array[] } {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.mean(loss(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
    vars,
  );
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => Float32Array.from(grads[v.name].dataSync())) };
  value.dispose();
  tf.dispose(Object.values(grads));
  return out;
}

/**
 * The batch gradient as the mean of per-sample TF.js gradients (each sample has the same number of
 * outputs, so the batch-mean loss is the mean of the per-sample losses): sidesteps the cpu backend's
 * ResizeNearestNeighborGrad, which is only right for batch size 1. Summed in f64.
 */
export function tfGradientsPerSample(model: tf.LayersModel, loss: TfLoss, x: Tensor, y: Tensor): { loss: number; grads: Float64Array[] } {
  const N = x.shape[0];
  let sumLoss = 0;
  let sums: Float64Array[] | null = null;
  for (let i = 0; i < N; i++) {
    const xi = tfSlice(x, i, i + 1), yi = tfSlice(y, i, i + 1);
    const g = tfGradients(model, loss, xi, yi);
    tf.dispose([xi, yi]);
    sumLoss += g.loss;
    sums ??= g.grads.map((a) => new Float64Array(a.length));
    g.grads.forEach((a, k) => a.forEach((v, j) => { sums![k][j] += v; }));
  }
  return { loss: sumLoss / N, grads: sums!.map((s) => s.map((v) => v / N)) };
}

/** Rows [start, end) of one of our tensors, as a TF.js tensor. */
export function tfSlice(t: Tensor, start: number, end: number): tf.Tensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return tf.tensor(t.data.slice(start * row, end * row), [end - start, ...t.shape.slice(1)]);
}

/**
 * max_i |a_i - b_i| / max_i |b_i|: the error measured against the tensor's own scale (elementwise
 * relative errors are meaningless for gradient entries that are ~0 by cancellation).
 */
export function relToMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!(diff <= d)) d = diff; // NaN propagates as a failure
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

/** max_i |a_i - b_i| / |b_i| (for losses and outputs bounded away from 0). */
export function relElementwise(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    if (!(r <= d)) d = r;
  }
  return d;
}

/** n uniform values in [lo, hi) as f32, from a seeded mulberry32. */
export function uniform(shape: number[], seed: number, lo = 0, hi = 1): Tensor {
  const rng = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape: [...shape] };
}

/**
 * Denoising pairs like the tutorial's: clean images of 2-4 soft strokes (Gaussian blobs along random
 * segments) in [0, 1], and noisy copies (+0.5 * N(0, 1), clipped to [0, 1]).
 */
export function strokeImages(n: number, seed: number, size = 28): { clean: Tensor; noisy: Tensor } {
  const rng = mulberry32(seed);
  const clean = new Float32Array(n * size * size);
  const noisy = new Float32Array(n * size * size);
  for (let s = 0; s < n; s++) {
    const img = clean.subarray(s * size * size, (s + 1) * size * size);
    const strokes = 2 + Math.floor(rng() * 3);
    for (let k = 0; k < strokes; k++) {
      const x0 = 4 + rng() * (size - 8), y0 = 4 + rng() * (size - 8);
      const x1 = 4 + rng() * (size - 8), y1 = 4 + rng() * (size - 8);
      for (let t = 0; t <= 1; t += 0.05) {
        const cx = x0 + (x1 - x0) * t, cy = y0 + (y1 - y0) * t;
        for (let i = 0; i < size; i++) {
          for (let j = 0; j < size; j++) {
            const d2 = (i - cy) ** 2 + (j - cx) ** 2;
            if (d2 < 9) img[i * size + j] = Math.max(img[i * size + j], Math.exp(-d2 / 2));
          }
        }
      }
    }
    for (let p = 0; p < size * size; p++) {
      const u = Math.max(rng(), 1e-12), v = rng();
      const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      noisy[s * size * size + p] = Math.min(1, Math.max(0, img[p] + 0.5 * g));
    }
  }
  return { clean: { data: clean, shape: [n, size, size, 1] }, noisy: { data: noisy, shape: [n, size, size, 1] } };
}

/** Running table of what each comparison measured against its tolerance; printed once at the end. */
export class Report {
  private rows: string[] = [];
  add(what: string, measured: number, tol: number): void {
    this.rows.push(`${what.padEnd(62)} ${measured.toExponential(2).padStart(9)}  (tol ${tol.toExponential(0)})`);
  }
  /** add(), then expects the measured value below the tolerance. */
  check(what: string, measured: number, tol: number): void {
    this.add(what, measured, tol);
    expect(measured).toBeLessThan(tol);
  }
  print(title: string): void {
    if (this.rows.length) console.log(`${title}\n${this.rows.join('\n')}`);
  }
}
