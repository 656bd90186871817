// The client side of tfjs-reference-worker.mjs (TF.js in a worker thread; see its header), and the
// per-weight comparison the parity tests report.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { NamedWeight } from '../../src/index.js';
import { relToMax } from './tfjs-helpers.js';

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
