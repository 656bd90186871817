// The client side of tfjs-reference-worker.mjs (TF.js in a worker thread; see its header), and the
// per-weight comparison the parity tests report.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { optimizers, sliceRows, type FitOptions, type LossName, type NamedWeight, type OptimizerConfig, type Tensor } from '../../src/index.js';
import { relToMax, relElementwise } from './tfjs-helpers.js';

/** TF.js's results (tfjs-reference-worker.mjs): forward output, loss and gradients, adam training run. */
export interface Reference {
  out: Float32Array;
  grad: { loss: number; grads: Map<string, ArrayLike<number>> };
  train: { losses: number[]; weights: Map<string, Float32Array> };
}

/** Runs the TF.js side in a worker thread (5x faster than in jest's vm context; see the worker's header). */
export async function tfReference(job: Record<string, unknown>): Promise<Reference> {
  const worker = new Worker(new URL('./tfjs-reference-worker.mjs', import.meta.url));
  try {
    const reply = await new Promise<{ result?: { out: Float32Array; grad: { loss: number; grads: Array<[string, Float64Array]> }; train: { losses: number[]; weights: Array<[string, Float32Array]> } }; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(job);
    });
    if (!reply.result) throw new Error(`TF.js worker: ${reply.error}`);
    const r = reply.result;
    return { out: r.out, grad: { loss: r.grad.loss, grads: new Map(r.grad.grads) }, train: { losses: r.train.losses, weights: new Map(r.train.weights) } };
  } finally {
    await worker.terminate();
  }
}

/** Per weight name: relToMax(ours, theirs); the worst and where. */
export function worstByName(ours: NamedWeight[], theirs: Map<string, ArrayLike<number>>, init?: Map<string, Float32Array>): { worst: number; at: string } {
  let worst = 0, at = '';
  for (const w of ours) {
    const t = theirs.get(w.name);
    if (!t) throw new Error(`TF.js has no ${w.name} (it has ${[...theirs.keys()]})`);
    const i0 = init?.get(w.name);
    const r = i0 ? relToMax(w.data.map((v, i) => v - i0[i]), Array.from(t, (v, i) => v - i0[i])) : relToMax(w.data, t);
    if (!(r <= worst)) { worst = r; at = w.name; }
  }
  return { worst, at };
}

/** The builds the parity tests run, and how: the threads build on 2 threads, the others on one. */
export const VARIANTS = ['simd-threads', 'simd', 'scalar'] as const;
export type Variant = (typeof VARIANTS)[number];
export const runOptions = (variant: Variant) => ({ variant, threads: variant === 'simd-threads' ? 2 : 1 });

/** TF.js's cpu backend, in production mode, before a parity file's tests. */
export async function useTfCpu(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
}

/** TF.js names weights by its own layer counters (conv2d_3/kernel); ours restart per model. Pair them by position. */
export function byPosition(ours: NamedWeight[], theirs: Map<string, ArrayLike<number>>): Array<[NamedWeight, ArrayLike<number>]> {
  const t = [...theirs.values()];
  if (t.length !== ours.length) throw new Error(`TF.js has ${t.length} weights, ours ${ours.length}`);
  return ours.map((w, k) => [w, t[k]]);
}

/** What a model needs for the comparisons below (Sequential and LayersModel have it). */
interface Comparable {
  predict(x: Tensor): Promise<Tensor>;
  compile(options: { optimizer: OptimizerConfig | 'sgd'; loss: LossName }): void;
  computeGradients(x: Tensor, y: Tensor): Promise<{ loss: number; gradients: NamedWeight[] }>;
  fit(x: Tensor, y: Tensor, options: FitOptions): Promise<unknown>;
  getWeights(): NamedWeight[];
}

/**
 * Ours against tfReference's forward (first fwdN rows of x), loss and gradients (first gradN rows), for a
 * model not yet compiled (compiled here with sgd): elementwise relative forward difference, relative
 * loss difference, and the worst gradient (relative to its tensor's max |g|) and its name.
 */
export async function compareGradients(m: Comparable, x: Tensor, y: Tensor, fwdN: number, gradN: number, loss: LossName, ref: Reference):
    Promise<{ forward: number; loss: number; worst: number; at: string }> {
  const forward = relElementwise((await m.predict(sliceRows(x, 0, fwdN))).data, ref.out);
  m.compile({ optimizer: 'sgd', loss });
  const g = await m.computeGradients(sliceRows(x, 0, gradN), sliceRows(y, 0, gradN));
  let worst = 0, at = '';
  for (const [w, t] of byPosition(g.gradients, ref.grad.grads)) {
    const d = relToMax(w.data, t);
    if (!(d <= worst)) { worst = d; at = w.name; }
  }
  return { forward, loss: Math.abs(g.loss - ref.grad.loss) / ref.grad.loss, worst, at };
}

/**
 * Trains ours (compiled with adam at learningRate) on steps batches of batch rows, in order, and compares
 * with tfReference's adam run: the worst per-step loss (elementwise relative) and the worst weight change
 * from init (relative to that tensor's max change) and its name; the losses and weights for more checks.
 */
export async function compareAdamTraining(m: Comparable, x: Tensor, y: Tensor, steps: number, batch: number, learningRate: number,
                                          loss: LossName, init: NamedWeight[], ref: Reference):
    Promise<{ loss: number; worst: number; at: string; losses: number[]; weights: NamedWeight[] }> {
  m.compile({ optimizer: optimizers.adam({ learningRate }), loss });
  const losses: number[] = [];
  await m.fit(sliceRows(x, 0, steps * batch), sliceRows(y, 0, steps * batch),
    { epochs: 1, batchSize: batch, shuffle: false, onBatchEnd: (_b, l) => { losses.push(l.loss); } });
  const weights = m.getWeights();
  let worst = 0, at = '';
  byPosition(weights, ref.train.weights).forEach(([w, t], k) => {
    const i0 = init[k].data;
    const d = relToMax(w.data.map((v, i) => v - i0[i]), Array.from(t, (v, i) => v - i0[i]));
    if (!(d <= worst)) { worst = d; at = w.name; }
  });
  return { loss: relElementwise(losses, ref.train.losses), worst, at, losses, weights };
}

/** tfReference for TF.js model t given our initial weights (t is disposed after). */
export async function tfReferenceOf(t: tf.LayersModel, init: NamedWeight[], job: Record<string, unknown>): Promise<Reference> {
  t.setWeights(init.map((w) => tf.tensor(w.data, w.shape)));
  try {
    return await tfReference({ topology: t.toJSON(null, false), weights: t.getWeights().map((w) => ({ data: w.dataSync(), shape: w.shape })), ...job });
  } finally {
    t.dispose();
  }
}

/** The TF.js twin t has our model's layer classes, output shapes and parameter count (t is disposed after). */
export function expectSameTwin(ours: { layers: readonly { className: string }[]; nodes: readonly { outputShape: number[] }[]; countParams(): number }, t: tf.LayersModel): void {
  try {
    expect(t.layers.map((l) => l.getClassName())).toEqual(ours.layers.map((l) => l.className));
    expect(t.countParams()).toBe(ours.countParams());
    t.layers.forEach((l, i) => expect((l.outputShape as number[]).slice(1)).toEqual(ours.nodes[i].outputShape));
  } finally {
    t.dispose();
  }
}
