/**
 * Parity with TensorFlow.js 4.22 (cpu backend, float32): the same models, with the same initial
 * weights (ours copied into TF.js with setWeights), must give the same outputs, losses, gradients and
 * training trajectories. TF.js is a peer nobody here wrote; only its public API is used. Where TF.js
 * is wrong it is shown, not patched: UpSampling2D's gradient for batch > 1 (so models with UpSampling2D
 * get TF.js gradients one sample at a time and train with batch size 1), and centered RMSprop (not
 * compared). TF.js's 'adadelta' divides by the accumulator from before the step (making it plain SGD
 * at lr 1); ours reproduces that with optimizers.adadelta({ order: 'tfjs' }).
 *
 * Each of our builds (the mul + add ones and the relaxed-SIMD, fused multiply-add ones) is compared
 * against one TF.js run.
 *
 * Tolerances: both sides compute in f32 but sum in different orders (im2col GEMM vs TF.js's loops,
 * chunked batch reductions), so the expected differences are a few f32 ulps (6e-8 relative) amplified
 * by the depth of the network. Both sides are deterministic (wasm, and TF.js's pure-JS cpu backend), so
 * the measured values below repeat run to run; each tolerance sits 3-10x above the worst measured (the
 * floor being a few ulps), leaving room for a change of summation order in our kernels but not for a
 * semantic difference (the 'probe:' tests show how large small semantic changes are: 1e3-1e5x more).
 * The measured values are printed at the end of the run (Report).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Sequential, layers, presets, optimizers,
  type NamedWeight, type OptimizerConfig, type OptimizerName, type LossName, type Tensor,
} from '../../src/index.js';
import { upsample2dBackward } from '../reference/upsample.js';
import {
  TF_LOSSES, tfKerasTutorial, copyWeightsToTf, tfWeights, tfGradients, tfGradientsPerSample, tfSlice,
  relToMax, relElementwise, uniform, strokeImages, Report,
} from './tfjs-helpers.js';

const TOL = {
  /** Forward outputs, elementwise relative (sigmoid outputs, away from 0). Measured 1.2e-7 (all three models). */
  forward: 1e-6,
  /** Mean loss of one batch. Measured <= 4.5e-8 (TF.js returns it in f32: 1 ulp is 6e-8 of it). */
  loss: 3e-7,
  /** Gradients, per tensor, relative to that tensor's max |g|. Measured <= 4.6e-7 (tutorial conv2d_6/kernel). */
  grad: 3e-6,
  /** Against the f64 reference, for ops with no sums to reorder (upsample). Measured 4.4e-8. */
  exact: 1e-6,
};

/**
 * Training runs: `loss` bounds every per-step loss (elementwise relative), `delta` the weight change
 * after the run (per tensor, relative to that tensor's max |change|, see deltaDiff).
 */
interface TrainTol { loss: number; delta: number }
const TRAIN_TOL: Record<'tutorial' | 'strided' | 'odd', TrainTol> = {
  /** lr 1.0, 20 steps: measured loss 6.7e-7, change 2.6e-6 (both builds identical, as everywhere). */
  tutorial: { loss: 5e-6, delta: 3e-5 },
  /**
   * 20 steps, seven optimizers: measured loss <= 7.4e-8, change <= 2.9e-5 (sgd lr 0.01, adagrad; adam,
   * rmsprop, nesterov, adadelta <= 4.9e-6). With lr 0.01 one ulp of a weight is ~3e-5 of its whole
   * change, so the sgd/adagrad figure is the rounding floor.
   */
  strided: { loss: 5e-7, delta: 2e-4 },
  /** sgd momentum 0.9 lr 0.1, 12 steps: measured loss 4.6e-8, change 6.0e-7. */
  odd: { loss: 5e-7, delta: 5e-6 },
};

const VARIANTS = ['simd-threads', 'simd', 'scalar', 'relaxed-simd-threads', 'relaxed-simd'] as const;
type Variant = (typeof VARIANTS)[number];
const report = new Report();

beforeAll(async () => {
  tf.enableProdMode(); // silences the "install tfjs-node" console warning
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(() => report.print('TF.js parity: measured differences (value, tolerance)'));

function slice(t: Tensor, start: number, end: number): Tensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.slice(start * row, end * row), shape: [end - start, ...t.shape.slice(1)] };
}

interface Trained { losses: number[]; weights: Float32Array[] }

/** Our per-batch training losses (each the loss before its step) and final weights; batches in order. */
async function trainOurs(model: Sequential, x: Tensor, y: Tensor, batchSize: number): Promise<Trained> {
  const losses: number[] = [];
  await model.fit(x, y, { epochs: 1, batchSize, shuffle: false, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
  return { losses, weights: model.getWeights().map((w) => w.data) };
}

/** TF.js's per-batch losses (trainOnBatch returns the loss before the step) and final weights. */
async function trainTf(model: tf.LayersModel, x: Tensor, y: Tensor, batchSize: number): Promise<Trained> {
  const losses: number[] = [];
  for (let s = 0; s < x.shape[0]; s += batchSize) {
    const xb = tfSlice(x, s, s + batchSize), yb = tfSlice(y, s, s + batchSize);
    losses.push((await model.trainOnBatch(xb, yb)) as number);
    tf.dispose([xb, yb]);
  }
  return { losses, weights: tfWeights(model) };
}

/** Per tensor: max |Δw_ours - Δw_tf| / max |Δw_tf| (training's weight change compared at its own scale); the worst. */
function deltaDiff(ours: Float32Array[], theirs: Float32Array[], init: NamedWeight[]): { worst: number; at: string } {
  let worst = 0, at = '';
  ours.forEach((w, k) => {
    const r = relToMax(w.map((v, i) => v - init[k].data[i]), theirs[k].map((v, i) => v - init[k].data[i]));
    if (!(r <= worst)) { worst = r; at = init[k].name; }
  });
  return { worst, at };
}

/** Per tensor relToMax of gradients; the worst and where. */
function gradDiff(ours: NamedWeight[], theirs: ArrayLike<number>[]): { worst: number; at: string } {
  let worst = 0, at = '';
  ours.forEach((w, k) => {
    const r = relToMax(w.data, theirs[k]);
    if (!(r <= worst)) { worst = r; at = w.name; }
  });
  return { worst, at };
}

/** Compares a training run with TF.js's: first loss, all losses, weight change. */
function expectSameTraining(what: string, mine: Trained, ref: Trained, init: NamedWeight[], tol: TrainTol): void {
  expect(mine.losses).toHaveLength(ref.losses.length);
  const r0 = Math.abs(mine.losses[0] - ref.losses[0]) / ref.losses[0];
  const r = relElementwise(mine.losses, ref.losses);
  const d = deltaDiff(mine.weights, ref.weights, init);
  report.add(`${what}: loss at step 0`, r0, TOL.loss);
  report.add(`${what}: worst loss of ${ref.losses.length} steps`, r, tol.loss);
  report.add(`${what}: weight change (worst: ${d.at})`, d.worst, tol.delta);
  expect(r0).toBeLessThan(TOL.loss);
  expect(r).toBeLessThan(tol.loss);
  expect(d.worst).toBeLessThan(tol.delta);
}

// ---------------------------------------------------------------------------------------------------
// The TF.js bug that shapes the rest: tfjs-backend-cpu 4.22 ResizeNearestNeighborGrad reads dy at
// `b * imagesStrides[0] + dyR * dyStrides[1] + ...`, i.e. with the INPUT's batch stride instead of
// dy's, so for batch b > 0 it sums the wrong part of dy (sample 0's, for a 2x upsample). UpSampling2D's
// gradient in TF.js is right for batch size 1 only; forward is right at any batch size.
// ---------------------------------------------------------------------------------------------------
describe('TF.js UpSampling2D gradient bug (batch > 1), and ours', () => {
  const shape = { N: 2, H: 3, W: 4, C: 2 };
  const x = uniform([2, 3, 4, 2], 101);
  const y = uniform([2, 6, 8, 2], 102);
  // dL/dy of the mean squared error, in f64; the f64 reference sums it over each 2x2 block.
  const M = y.data.length;
  const src = (i: number) => { // y index -> x index under 2x nearest upsampling (NHWC, C = 2, W = 8, H = 6)
    const c = i % 2, w = Math.floor(i / 2) % 8, h = Math.floor(i / 16) % 6, n = Math.floor(i / 96);
    return ((n * 3 + (h >> 1)) * 4 + (w >> 1)) * 2 + c;
  };
  const dy = Float64Array.from(y.data, (t, i) => (2 * (x.data[src(i)] - t)) / M);
  const expected = upsample2dBackward(dy, shape, 2, 2).dx;
  const half = 3 * 4 * 2;

  test('TF.js dx is right for sample 0 and wrong for sample 1 of a batch; right one sample at a time', () => {
    const layer = tf.layers.upSampling2d({ size: [2, 2] });
    const lossOf = (yy: tf.Tensor) => (a: tf.Tensor) => tf.mean(tf.squaredDifference(layer.apply(a) as tf.Tensor, yy));
    const dxBatch = tf.grad(lossOf(tfSlice(y, 0, 2)))(tfSlice(x, 0, 2)).dataSync();
    const s0 = relToMax(dxBatch.slice(0, half), expected.slice(0, half));
    const s1 = relToMax(dxBatch.slice(half), expected.slice(half));
    report.add('TF.js upsample dx, batch of 2: sample 0 vs f64 (right)', s0, TOL.exact);
    report.add('TF.js upsample dx, batch of 2: sample 1 vs f64 (WRONG: must be > 0.5)', s1, 0.5);
    expect(s0).toBeLessThan(TOL.exact);
    // If this fails, TF.js fixed the bug and the batch-1 workarounds in this file can go.
    expect(s1).toBeGreaterThan(0.5);
    // Sample 1 alone: its loss is a mean over M/2 values, so its dx is twice the batch's.
    const dx1 = tf.grad(lossOf(tfSlice(y, 1, 2)))(tfSlice(x, 1, 2)).dataSync().map((v) => v / 2);
    expect(relToMax(dx1, expected.slice(half))).toBeLessThan(TOL.exact);
  });

  test.each(VARIANTS)('ours (%s) matches the f64 reference for every sample of the batch', async (variant) => {
    const m = new Sequential({ inputShape: [3, 4, 2], variant }, [layers.upSampling2d({ size: 2 })]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { inputGradient } = await m.computeGradients(x, y, { input: true });
    const r = relToMax(inputGradient!.data, expected);
    report.add(`ours (${variant}): upsample dx, batch of 2 vs f64`, r, TOL.exact);
    expect(r).toBeLessThan(TOL.exact);
    m.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------
// 1. The tutorial model (presets.kerasTutorial) vs its TF.js twin.
// TF.js cpu is slow on it (~1 s per sample for gradients, nearly all in Conv2DBackpropFilter), so the
// gradient batch is 2 (per sample in TF.js, averaged: the upsample bug) and training uses batch size 1.
// ---------------------------------------------------------------------------------------------------
describe('Keras tutorial model vs TF.js', () => {
  const SEED = 11;
  const FWD_N = 16, GRAD_N = 2, STEPS = 20;
  const { clean, noisy } = strokeImages(STEPS, 5);
  const init = presets.kerasTutorial({ seed: SEED, compile: false }).getWeights();
  let tfModel: tf.Sequential;
  const ref = {} as {
    out: Float32Array;
    grad: { loss: number; grads: Float64Array[] };
    gradBatched: { loss: number; grads: Float32Array[] };
    train: Trained;
  };

  beforeAll(async () => {
    tfModel = tfKerasTutorial();
    copyWeightsToTf(tfModel, init);
    const xf = tfSlice(noisy, 0, FWD_N);
    const yf = tfModel.predict(xf, { batchSize: FWD_N }) as tf.Tensor;
    ref.out = Float32Array.from(yf.dataSync());
    tf.dispose([xf, yf]);
    const xg = slice(noisy, 0, GRAD_N), yg = slice(clean, 0, GRAD_N);
    ref.grad = tfGradientsPerSample(tfModel, TF_LOSSES.binaryCrossentropy, xg, yg);
    const [xt, yt] = [tfSlice(xg, 0, GRAD_N), tfSlice(yg, 0, GRAD_N)];
    ref.gradBatched = tfGradients(tfModel, TF_LOSSES.binaryCrossentropy, xt, yt);
    tf.dispose([xt, yt]);
    // TF.js 'adadelta' (lr 1, rho 0.95, eps 1e-7) divides by the accumulator from before the step
    tfModel.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
    ref.train = await trainTf(tfModel, noisy, clean, 1);
  }, 120_000);
  afterAll(() => tfModel?.dispose());

  const ours = (variant: Variant) => {
    const m = presets.kerasTutorial({ seed: 999, variant, compile: false });
    m.setWeights(init);
    return m;
  };

  test('the TF.js twin has the same layer output shapes, weight shapes and parameter count', () => {
    const m = presets.kerasTutorial({ compile: false });
    expect(tfModel.countParams()).toBe(m.countParams());
    expect(tfModel.layers.map((l) => (l.outputShape as number[]).slice(1))).toEqual(m.layers.map((l) => l.outputShape));
    expect(tfModel.trainableWeights.map((w) => w.shape)).toEqual(init.map((w) => w.shape));
  });

  test.each(VARIANTS)('forward on a batch of 16 (%s)', async (variant) => {
    const m = ours(variant);
    expect((await m.engineInfo()).variant).toBe(variant); // each build really runs (the mul + add ones are bit-identical by design)
    const out = await m.predict(slice(noisy, 0, FWD_N));
    const r = relElementwise(out.data, ref.out);
    report.add(`tutorial forward, batch 16 (${variant})`, r, TOL.forward);
    expect(r).toBeLessThan(TOL.forward);
    m.dispose();
  });

  test.each(VARIANTS)('loss and all 14 gradient tensors on a batch of 2 (%s)', async (variant) => {
    const m = ours(variant);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const g = await m.computeGradients(slice(noisy, 0, GRAD_N), slice(clean, 0, GRAD_N));
    expect(g.gradients.map((w) => w.shape)).toEqual(init.map((w) => w.shape));
    const rl = Math.abs(g.loss - ref.grad.loss) / ref.grad.loss;
    const d = gradDiff(g.gradients, ref.grad.grads);
    report.add(`tutorial loss, batch 2 (${variant})`, rl, TOL.loss);
    report.add(`tutorial 14 gradients, batch 2 (${variant}, worst: ${d.at})`, d.worst, TOL.grad);
    expect(rl).toBeLessThan(TOL.loss);
    expect(d.worst).toBeLessThan(TOL.grad);
    m.dispose();
  });

  test('the upsample bug bites the tutorial model: TF.js batched gradients are wrong before the last upsample', () => {
    // Only the last conv's dW and db skip UpSampling2D's backward; every earlier tensor is corrupted.
    const per = ref.gradBatched.grads.map((g, k) => relToMax(g, ref.grad.grads[k]));
    report.add('TF.js batched vs per-sample: last conv kernel (right)', per[12], TOL.grad);
    report.add('TF.js batched vs per-sample: first conv kernel (WRONG: > 0.01)', per[0], 0.01);
    expect(Math.abs(ref.gradBatched.loss - ref.grad.loss) / ref.grad.loss).toBeLessThan(TOL.loss); // forward is fine
    expect(per[12]).toBeLessThan(TOL.grad);
    expect(per[13]).toBeLessThan(TOL.grad);
    for (let k = 0; k < 12; k += 2) expect(per[k]).toBeGreaterThan(0.01);
  });

  test.each(VARIANTS)('20 steps of adadelta order tfjs vs TF.js adadelta, batch size 1 (%s)', async (variant) => {
    const m = ours(variant);
    m.compile({ optimizer: optimizers.adadelta({ order: 'tfjs' }), loss: 'binaryCrossentropy' });
    const mine = await trainOurs(m, noisy, clean, 1);
    // the data must make training move, or agreement would prove little
    expect(ref.train.losses[0] - Math.min(...ref.train.losses.slice(-5))).toBeGreaterThan(0.05);
    expectSameTraining(`tutorial adadelta tfjs (${variant})`, mine, ref.train, init, TRAIN_TOL.tutorial);
    m.dispose();
  });

  test('probe: Keras-order adadelta (our default) is far from TF.js adadelta, so the comparison can fail', async () => {
    const m = ours('simd');
    m.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
    const mine = await trainOurs(m, noisy, clean, 1);
    const r = relElementwise(mine.losses, ref.train.losses);
    const d = deltaDiff(mine.weights, ref.train.weights, init);
    report.add('probe: tutorial adadelta keras order vs TF.js: worst loss', r, TRAIN_TOL.tutorial.loss);
    report.add('probe: tutorial adadelta keras order vs TF.js: weight change', d.worst, TRAIN_TOL.tutorial.delta);
    expect(r).toBeGreaterThan(100 * TRAIN_TOL.tutorial.loss);
    expect(d.worst).toBeGreaterThan(100 * TRAIN_TOL.tutorial.delta);
    m.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Stride 2, 'valid' and odd 'same' padding, Flatten, Dense; every optimizer against TF.js's.
// ---------------------------------------------------------------------------------------------------
describe('strided conv + dense model vs TF.js', () => {
  const SEED = 21, BATCH = 8, STEPS = 20;
  const x = uniform([BATCH * STEPS, 12, 12, 2], 201);
  const y = uniform([BATCH * STEPS, 5], 202);

  const oursModel = (variant: Variant) => new Sequential({ inputShape: [12, 12, 2], variant, seed: SEED }, [
    layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }), // 12 -> 5, last row unused
    layers.conv2d({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }), // pads 0 before, 1 after
    layers.flatten(),
    layers.dense({ units: 10, activation: 'relu' }),
    layers.dense({ units: 5, activation: 'sigmoid' }),
  ]);
  const tfModelOf = () => {
    const t = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'relu' }),
        tf.layers.dense({ units: 5, activation: 'sigmoid' }),
      ],
    });
    copyWeightsToTf(t, init);
    return t;
  };
  const init = oursModel('scalar').getWeights();

  test.each(VARIANTS)('forward, and loss and gradients for each loss, on a batch of 8 (%s)', async (variant) => {
    const t = tfModelOf();
    const xb = tfSlice(x, 0, BATCH), yb = tfSlice(y, 0, BATCH);
    const tfOut = (t.predict(xb) as tf.Tensor).dataSync();
    const m = oursModel(variant);
    const out = await m.predict(slice(x, 0, BATCH));
    const rf = relElementwise(out.data, tfOut);
    report.add(`strided forward, batch 8 (${variant})`, rf, TOL.forward);
    expect(rf).toBeLessThan(TOL.forward);
    for (const loss of ['binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError'] as const) {
      const tg = tfGradients(t, TF_LOSSES[loss], xb, yb);
      m.compile({ optimizer: 'sgd', loss });
      const g = await m.computeGradients(slice(x, 0, BATCH), slice(y, 0, BATCH));
      const rl = Math.abs(g.loss - tg.loss) / tg.loss;
      const d = gradDiff(g.gradients, tg.grads);
      report.add(`strided ${loss} loss (${variant})`, rl, TOL.loss);
      report.add(`strided ${loss} 8 gradients (${variant}, worst: ${d.at})`, d.worst, TOL.grad);
      expect(rl).toBeLessThan(TOL.loss);
      expect(d.worst).toBeLessThan(TOL.grad);
    }
    m.dispose();
    t.dispose();
  });

  type Case = [name: string, ours: OptimizerName | OptimizerConfig, theirs: () => tf.Optimizer | string, loss: LossName];
  const cases: Case[] = [
    ['adam (string defaults)', 'adam', () => 'adam', 'binaryCrossentropy'],
    ['sgd (string defaults)', 'sgd', () => 'sgd', 'meanSquaredError'],
    ['sgd lr 0.05 momentum 0.9 nesterov', optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
      () => tf.train.momentum(0.05, 0.9, true), 'binaryCrossentropy'],
    ['rmsprop (string defaults)', 'rmsprop', () => 'rmsprop', 'meanSquaredError'],
    ['rmsprop lr 0.01 momentum 0.5', optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
      () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, false), 'binaryCrossentropy'],
    ['adagrad (string defaults)', 'adagrad', () => 'adagrad', 'meanAbsoluteError'],
    ['adadelta order tfjs vs TF.js adadelta', optimizers.adadelta({ order: 'tfjs' }), () => 'adadelta', 'binaryCrossentropy'],
  ];
  const tfRuns = new Map<string, Promise<Trained>>();
  const tfRun = (name: string, theirs: () => tf.Optimizer | string, loss: LossName) => {
    if (!tfRuns.has(name)) {
      const t = tfModelOf();
      t.compile({ optimizer: theirs() as tf.Optimizer, loss });
      tfRuns.set(name, trainTf(t, x, y, BATCH).finally(() => t.dispose()));
    }
    return tfRuns.get(name)!;
  };

  describe.each(cases)('%s: 20 steps of batch 8', (name, opt, theirs, loss) => {
    test.each(VARIANTS)('%s', async (variant) => {
      const ref = await tfRun(name, theirs, loss);
      const m = oursModel(variant);
      m.compile({ optimizer: opt, loss });
      expectSameTraining(`${name} (${variant})`, await trainOurs(m, x, y, BATCH), ref, init, TRAIN_TOL.strided);
      m.dispose();
    });
  });

  test('centered RMSprop is not compared: TF.js computes sqrt(ms - (mg² + eps)), NaN for small gradients; ours stays finite', async () => {
    // One step from zero state with g = 1e-4: ms - mg² = 0.09 g² = 9e-10 < eps = 1e-7.
    const v = tf.variable(tf.tensor1d([0.5, 0.5]));
    tf.train.rmsprop(0.01, 0.9, 0, 1e-7, true).applyGradients({ [v.name]: tf.tensor1d([1e-4, 1]) });
    const after = v.dataSync();
    expect(after[0]).toBeNaN();
    expect(Number.isFinite(after[1])).toBe(true);
    // ours uses TF/Keras's sqrt(ms - mg² + eps) (checked against the f64 reference in optimizers.test.ts)
    const m = oursModel('simd');
    m.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }), loss: 'binaryCrossentropy' });
    const mine = await trainOurs(m, x, y, BATCH);
    expect(mine.losses.every(Number.isFinite)).toBe(true);
    expect(mine.losses[STEPS - 1]).toBeLessThan(mine.losses[0]);
    m.dispose();
  });

  test('probe: adam with epsilon 1e-6 instead of 1e-7, or beta2 0.99, is outside the training tolerances', async () => {
    const ref = await tfRun(cases[0][0], cases[0][2], cases[0][3]);
    for (const [what, cfg] of [['eps 1e-6', { epsilon: 1e-6 }], ['beta2 0.99', { beta2: 0.99 }]] as const) {
      const m = oursModel('simd');
      m.compile({ optimizer: optimizers.adam(cfg), loss: 'binaryCrossentropy' });
      const mine = await trainOurs(m, x, y, BATCH);
      const d = deltaDiff(mine.weights, ref.weights, init);
      report.add(`probe: adam ${what} vs TF.js adam: weight change`, d.worst, TRAIN_TOL.strided.delta);
      expect(d.worst).toBeGreaterThan(10 * TRAIN_TOL.strided.delta);
      m.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Odd shapes: a non-square kernel with strides (2, 1) and uneven 'same' padding, a 3x3 stride-2
// 'valid' pool, a (2, 3) upsample, a stride-1 'same' pool right after it (ties everywhere: tie-breaking
// must match), Dense on an image (last axis), a 1x1 conv, and a linear activation (the default).
// ---------------------------------------------------------------------------------------------------
describe('odd-shapes model vs TF.js', () => {
  const SEED = 31, N = 6, STEPS = 12;
  const x = uniform([STEPS, 9, 11, 3], 301, -1, 1);
  const y = uniform([STEPS, 4, 15, 2], 302);
  const oursModel = (variant: Variant) => new Sequential({ inputShape: [9, 11, 3], variant, seed: SEED }, [
    layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }), // [5, 11, 5]: pads H 1+1, W 0+1
    layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }), // [2, 5, 5]
    layers.upSampling2d({ size: [2, 3] }), // [4, 15, 5]
    layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }), // [4, 15, 5]
    layers.dense({ units: 3, activation: 'tanh' }), // [4, 15, 3]
    layers.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid' }), // [4, 15, 2]
  ]);
  const init = oursModel('scalar').getWeights();
  const tfModelOf = () => {
    const t = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [9, 11, 3], filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }),
        tf.layers.upSampling2d({ size: [2, 3] }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        tf.layers.dense({ units: 3, activation: 'tanh' }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid' }),
      ],
    });
    copyWeightsToTf(t, init);
    return t;
  };
  let ref: { out: Float32Array; grad: { loss: number; grads: Float64Array[] }; train: Trained };
  beforeAll(async () => {
    const t = tfModelOf();
    const xb = tfSlice(x, 0, N);
    ref = {
      out: Float32Array.from((t.predict(xb) as tf.Tensor).dataSync()),
      grad: tfGradientsPerSample(t, TF_LOSSES.meanAbsoluteError, slice(x, 0, N), slice(y, 0, N)),
    } as typeof ref;
    t.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'meanAbsoluteError' });
    ref.train = await trainTf(t, x, y, 1);
    t.dispose();
  });

  test('the TF.js twin has the same shapes', () => {
    const t = tfModelOf();
    expect(t.layers.map((l) => (l.outputShape as number[]).slice(1))).toEqual(oursModel('simd').layers.map((l) => l.outputShape));
    t.dispose();
  });

  test.each(VARIANTS)('forward, loss and gradients on a batch of 6 (%s)', async (variant) => {
    const m = oursModel(variant);
    m.compile({ optimizer: 'sgd', loss: 'meanAbsoluteError' });
    const out = await m.predict(slice(x, 0, N));
    const rf = relElementwise(out.data, ref.out);
    const g = await m.computeGradients(slice(x, 0, N), slice(y, 0, N));
    const rl = Math.abs(g.loss - ref.grad.loss) / ref.grad.loss;
    const d = gradDiff(g.gradients, ref.grad.grads);
    report.add(`odd-shapes forward, batch 6 (${variant})`, rf, TOL.forward);
    report.add(`odd-shapes MAE loss, batch 6 (${variant})`, rl, TOL.loss);
    report.add(`odd-shapes 6 gradients (${variant}, worst: ${d.at})`, d.worst, TOL.grad);
    expect(rf).toBeLessThan(TOL.forward);
    expect(rl).toBeLessThan(TOL.loss);
    expect(d.worst).toBeLessThan(TOL.grad);
    m.dispose();
  });

  test.each(VARIANTS)('12 steps of sgd momentum 0.9 lr 0.1, batch size 1 (%s)', async (variant) => {
    const m = oursModel(variant);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'meanAbsoluteError' });
    expectSameTraining(`odd-shapes sgd momentum (${variant})`, await trainOurs(m, x, y, 1), ref.train, init, TRAIN_TOL.odd);
    m.dispose();
  });
});
