/**
 * Issue 11's TF.js proof: functional models (graphs with skips and a residual) agree with TensorFlow.js
 * 4.22 (cpu backend, float32) given the same weights: forward, the loss and every gradient, and 20 adam
 * steps. The graphs (functional-graphs.ts) are written once and built by both libraries; weights are
 * matched by layer name, not position. As in tfjs.test.ts, TF.js's UpSampling2D gradient is wrong for
 * batch > 1, so the U-Net-like model gets TF.js gradients one sample at a time and trains at batch 1;
 * the residual model has no upsampling and is compared at batch 4 (gradients) and 2 (training).
 * TF.js has no Subtract layer: its twin is a custom layer over tf.sub (functional-graphs.ts). The TF.js
 * side runs in a worker thread (tfjs-reference-worker.mjs), from the twin's JSON topology and weights.
 *
 * Each build (variant 'simd-threads' on 2 threads, 'simd', 'scalar') is compared with one TF.js run;
 * the builds train to the same bits, and the threads build gives the same bits on 1, 2 and 3 threads.
 * Tolerances (measured values in comments, printed at the end by Report) sit 4-10x above the worst
 * measured (the U-Net's batch loss, measured 6e-9, has the f32 floor of a few ulps, 3e-7): summation
 * order differences amplified by depth. The probes show that a rewired graph misses them by 1e4-1e5x.
 */
import * as tf from '@tensorflow/tfjs';
import { optimizers, sliceRows, type LayersModel, type LossName, type NamedWeight, type Tensor } from '../../src/index.js';
import { relToMax, relElementwise, strokeImages, Report } from './tfjs-helpers.js';
import { tfReference, worstByName, type Reference, VARIANTS, runOptions, useTfCpu, type Variant } from './tfjs-worker-client.js';
import { uNet, residual, oursModel, tfModel, tfWeightNames, copyWeightsByName } from './functional-graphs.js';

const report = new Report();

beforeAll(useTfCpu);
afterAll(() => report.print('TF.js functional parity: measured differences (value, tolerance)'));

interface Tolerances {
  /** Forward outputs (see Case.forwardMeasure). */
  forward: number;
  /** Mean loss of one batch, relative. */
  loss: number;
  /** Each gradient tensor, relative to its own max |g|. */
  grad: number;
  /** Every per-step training loss, relative. */
  trainLoss: number;
  /** Weight change after training, per tensor relative to its max |change|. */
  delta: number;
}

interface Case {
  title: string;
  /** Short name in the report. */
  label: string;
  recipe: typeof uNet;
  loss: LossName;
  seed: number;
  /** Samples for the forward check, for the gradient check, training batch size and steps. */
  fwdN: number; gradN: number; batch: number; steps: number;
  /** TF.js gradients one sample at a time (its UpSampling2D gradient is wrong for batch > 1). */
  perSample: boolean;
  /** relElementwise for outputs away from 0 (sigmoid); relToMax where outputs cross 0 (the residual). */
  forwardMeasure: (a: ArrayLike<number>, b: ArrayLike<number>) => number;
  tol: Tolerances;
}

const CASES: Case[] = [
  {
    title: 'U-Net-like (concatenate skips, BCE)', label: 'U-Net', recipe: uNet, loss: 'binaryCrossentropy', seed: 41,
    fwdN: 8, gradN: 2, batch: 1, steps: 20, perSample: true, forwardMeasure: relElementwise,
    // measured (all three builds alike): forward 2.2e-7, loss 6.0e-9, gradients 3.8e-7 (out/bias),
    // training losses 6.6e-8, weight change 1.8e-6 (enc1/kernel)
    tol: { forward: 1e-6, loss: 3e-7, grad: 3e-6, trainLoss: 5e-7, delta: 1e-5 },
  },
  {
    title: 'residual denoiser (input - conv stack, MSE)', label: 'residual', recipe: residual, loss: 'meanSquaredError', seed: 42,
    fwdN: 8, gradN: 4, batch: 2, steps: 20, perSample: false, forwardMeasure: relToMax,
    // measured: forward 9.8e-8, loss 4.5e-8, gradients 2.9e-7 (noise/kernel), training losses 5.0e-8,
    // weight change 3.0e-7 (res2/kernel)
    tol: { forward: 1e-6, loss: 3e-7, grad: 3e-6, trainLoss: 5e-7, delta: 3e-6 },
  },
];

interface Trained { losses: number[]; weights: NamedWeight[] }

const LEARNING_RATE = 0.01;

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Our per-batch losses (each before its step) and final weights, batches in order. */
async function trainOurs(m: LayersModel, x: Tensor, y: Tensor, batchSize: number): Promise<Trained> {
  const losses: number[] = [];
  await m.fit(x, y, { epochs: 1, batchSize, shuffle: false, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
  return { losses, weights: m.getWeights() };
}

describe.each(CASES)('$title vs TF.js', (c) => {
  const n = Math.max(c.fwdN, c.gradN, c.batch * c.steps);
  const { clean, noisy } = strokeImages(n, c.seed);
  const init = oursModel(c.recipe, { seed: c.seed }).getWeights();
  const initByName = new Map(init.map((w) => [w.name, w.data]));
  const tfTwin = () => {
    const t = tfModel(c.recipe);
    copyWeightsByName(t, init);
    return t;
  };
  let ref: Reference;
  const trained = new Map<Variant, Trained>();

  beforeAll(async () => {
    const t = tfTwin();
    ref = await tfReference({
      topology: t.toJSON(null, false), weights: t.getWeights().map((w) => ({ data: w.dataSync(), shape: w.shape })),
      x: noisy, y: clean, loss: c.loss, fwdN: c.fwdN, gradN: c.gradN, perSample: c.perSample,
      batch: c.batch, steps: c.steps, learningRate: LEARNING_RATE,
    });
    t.dispose();
  }, 120_000);

  test('the TF.js twin has the same layers (by name), output shapes, weights and parameter count', () => {
    const m = oursModel(c.recipe, { seed: c.seed });
    const t = tfTwin();
    expect(t.countParams()).toBe(m.countParams());
    expect(m.nodes.map((node) => node.layer).sort()).toEqual(t.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name).sort());
    for (const node of m.nodes) expect((t.getLayer(node.layer).outputShape as number[]).slice(1)).toEqual(node.outputShape);
    expect(tfWeightNames(t).sort()).toEqual(init.map((w) => w.name).sort());
    t.dispose();
  });

  test.each(VARIANTS)('forward (%s)', async (variant) => {
    const m = oursModel(c.recipe, { seed: c.seed, ...runOptions(variant) });
    expect((await m.engineInfo()).variant).toBe(variant);
    const r = c.forwardMeasure((await m.predict(sliceRows(noisy, 0, c.fwdN))).data, ref.out);
    report.add(`${c.label} forward, batch ${c.fwdN} (${variant})`, r, c.tol.forward);
    expect(r).toBeLessThan(c.tol.forward);
    m.dispose();
  });

  test.each(VARIANTS)('loss and every gradient (%s)', async (variant) => {
    const m = oursModel(c.recipe, { seed: c.seed, ...runOptions(variant) });
    m.compile({ optimizer: 'sgd', loss: c.loss });
    const g = await m.computeGradients(sliceRows(noisy, 0, c.gradN), sliceRows(clean, 0, c.gradN));
    expect(g.gradients.map((w) => w.name)).toEqual(init.map((w) => w.name));
    const rl = Math.abs(g.loss - ref.grad.loss) / ref.grad.loss;
    const d = worstByName(g.gradients, ref.grad.grads);
    report.add(`${c.label} loss, batch ${c.gradN} (${variant})`, rl, c.tol.loss);
    report.add(`${c.label} ${init.length} gradients, batch ${c.gradN} (${variant}, worst: ${d.at})`, d.worst, c.tol.grad);
    expect(rl).toBeLessThan(c.tol.loss);
    expect(d.worst).toBeLessThan(c.tol.grad);
    m.dispose();
  });

  test.each(VARIANTS)('20 adam steps, lr 0.01 (%s)', async (variant) => {
    const m = oursModel(c.recipe, { seed: c.seed, ...runOptions(variant) });
    m.compile({ optimizer: optimizers.adam({ learningRate: LEARNING_RATE }), loss: c.loss });
    const mine = await trainOurs(m, sliceRows(noisy, 0, c.steps * c.batch), sliceRows(clean, 0, c.steps * c.batch), c.batch);
    m.dispose();
    trained.set(variant, mine);
    // training must move, or agreement would prove little
    expect(ref.train.losses[0] - Math.min(...ref.train.losses.slice(-5))).toBeGreaterThan(0.1 * ref.train.losses[0]);
    expect(mine.losses).toHaveLength(c.steps);
    const rl = relElementwise(mine.losses, ref.train.losses);
    const d = worstByName(mine.weights, ref.train.weights, initByName);
    report.add(`${c.label} adam: worst loss of ${c.steps} steps (${variant})`, rl, c.tol.trainLoss);
    report.add(`${c.label} adam: weight change (${variant}, worst: ${d.at})`, d.worst, c.tol.delta);
    expect(rl).toBeLessThan(c.tol.trainLoss);
    expect(d.worst).toBeLessThan(c.tol.delta);
  });

  test('the three builds trained to the same bits (losses and weights)', () => {
    expect([...trained.keys()].sort()).toEqual([...VARIANTS].sort());
    const [first, ...rest] = VARIANTS.map((v) => trained.get(v)!);
    for (const other of rest) {
      expect(other.losses).toEqual(first.losses);
      other.weights.forEach((w, k) => expect(bits(w.data)).toEqual(bits(first.weights[k].data)));
    }
  });

  test('1, 2 and 3 threads give the same bits: losses and weights after 3 steps of batch 4', async () => {
    const runs: Trained[] = [];
    for (const threads of [1, 2, 3]) {
      const m = oursModel(c.recipe, { seed: c.seed, variant: 'simd-threads', threads });
      expect((await m.engineInfo()).threads).toBe(threads);
      m.compile({ optimizer: optimizers.adam({ learningRate: LEARNING_RATE }), loss: c.loss });
      runs.push(await trainOurs(m, sliceRows(noisy, 0, 12), sliceRows(clean, 0, 12), 4));
      m.dispose();
    }
    expect(runs[0].weights.some((w, k) => w.data.some((v, i) => v !== init[k].data[i]))).toBe(true);
    for (const r of runs.slice(1)) {
      expect(r.losses).toEqual(runs[0].losses);
      r.weights.forEach((w, k) => expect(bits(w.data)).toEqual(bits(runs[0].weights[k].data)));
    }
  });

  test('probe: the graph slightly rewired (U-Net: skip2 concatenated the other way; residual: + for -) is far outside the forward tolerance', async () => {
    const m = oursModel(c.recipe, { seed: c.seed, threads: 1 }, true);
    m.setWeights(m.getWeights().map((w) => initByName.get(w.name)!)); // by name
    const r = c.forwardMeasure((await m.predict(sliceRows(noisy, 0, c.fwdN))).data, ref.out);
    report.add(`probe: ${c.label} rewired, forward`, r, c.tol.forward);
    expect(r).toBeGreaterThan(100 * c.tol.forward);
    m.dispose();
  });
});
