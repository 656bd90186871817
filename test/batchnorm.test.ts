// BatchNormalization: the f64 reference (checked by finite differences), the wasm op against it in
// training (batch statistics) and inference (moving statistics), the moving averages, finite differences
// through the batch statistics in a conv net, bit-identity across threads and builds, TF.js parity
// (forward, gradients, 20 adam steps with the moving statistics) and model files both ways with TF.js.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { input, layers, loadModel, model, Sequential, tensor, Random, type LayersModel } from '../src/index.js';
import { batchNormTraining, batchNormInference } from './reference/batchnorm.js';
import { assertClose, numericGradient } from './reference/gradcheck.js';
import { tfLoad, tfSave } from './io/tfjs-disk.js';

const data = (seed: number, n: number, lo = -1, hi = 1) => { const r = new Random(seed); return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.uniform()); };
const EPS = 0.001;

describe('the f64 reference', () => {
  test('backward agrees with finite differences of the training forward (through the batch statistics)', () => {
    const C = 3, x = Float64Array.from(data(1, 5 * 4 * C, -2, 3)), gamma = Float64Array.from(data(2, C, 0.5, 2)), beta = Float64Array.from(data(3, C));
    const w = Float64Array.from(data(4, x.length));   // loss = Σ w * y
    const loss = () => batchNormTraining(x, C, gamma, beta, EPS).y.reduce((s, v, i) => s + w[i] * v, 0);
    const { dx, dgamma, dbeta } = batchNormTraining(x, C, gamma, beta, EPS).backward(w);
    assertClose(numericGradient(loss, x, 1e-6).grad, dx, { rtol: 1e-6, atol: 1e-8 }, 'dx');
    assertClose(numericGradient(loss, gamma, 1e-6).grad, dgamma, { rtol: 1e-6, atol: 1e-8 }, 'dgamma');
    assertClose(numericGradient(loss, beta, 1e-6).grad, dbeta, { rtol: 1e-6, atol: 1e-8 }, 'dbeta');
  });
});

/** x [N, 4, 3, C] -> BatchNormalization -> output; MSE. */
function bnOnly(C: number, options: { threads?: number; variant?: 'simd' | 'scalar' | 'simd-threads'; center?: boolean; scale?: boolean } = {}): Sequential {
  const m = new Sequential({ inputShape: [4, 3, C], threads: options.threads ?? 1, variant: options.variant },
    [layers.batchNormalization({ momentum: 0.9, center: options.center, scale: options.scale })]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

describe('the wasm op against the reference', () => {
  const C = 5, N = 7;
  const x = data(5, N * 12 * C, -3, 4), t = data(6, N * 12 * C);
  const gamma = data(7, C, 0.5, 2), beta = data(8, C), mm = data(9, C), mv = data(10, C, 0.5, 3);

  test.each(['simd', 'scalar'] as const)('training: the loss of the batch-normalised output, dgamma, dbeta and dx (%s)', async (variant) => {
    const m = bnOnly(C, { variant });
    m.setWeights([gamma, beta, mm, mv]);
    const ref = batchNormTraining(x, C, gamma, beta, EPS);
    const count = ref.y.length;
    const refLoss = ref.y.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / count;
    const g = ref.backward(ref.y.map((v, i) => (2 * (v - t[i])) / count));
    const out = await m.computeGradients(tensor(x, [N, 4, 3, C]), tensor(t, [N, 4, 3, C]), { input: true });
    expect(out.gradients.map((w) => w.name)).toEqual(['batch_normalization/gamma', 'batch_normalization/beta']);   // trainable only
    assertClose(out.loss, refLoss, { rtol: 1e-6 }, 'loss');
    assertClose(out.gradients[0].data, g.dgamma, { rtol: 1e-5, atol: 1e-7 }, 'dgamma');
    assertClose(out.gradients[1].data, g.dbeta, { rtol: 1e-5, atol: 1e-7 }, 'dbeta');
    assertClose(out.inputGradient!.data, g.dx, { rtol: 1e-4, atol: 1e-7 }, 'dx');
    // computeGradients changes nothing: the moving statistics stay
    expect(m.getWeights()[2].data).toEqual(mm);
    m.dispose();
  });

  test.each(['simd', 'scalar'] as const)('inference uses the moving statistics (%s)', async (variant) => {
    const m = bnOnly(C, { variant });
    m.setWeights([gamma, beta, mm, mv]);
    const y = await m.predict(tensor(x, [N, 4, 3, C]));
    assertClose(y.data, batchNormInference(x, C, gamma, beta, mm, mv, EPS), { rtol: 1e-5, atol: 1e-6 }, 'inference');
    m.dispose();
  });

  test('a training step moves the moving statistics by (1 - momentum) toward the batch\'s, as TF.js does in f32', async () => {
    const m = bnOnly(C);
    m.setWeights([gamma, beta, mm, mv]);
    await m.fit(tensor(x, [N, 4, 3, C]), tensor(t, [N, 4, 3, C]), { epochs: 1, batchSize: N, shuffle: false });
    const ref = batchNormTraining(x, C, gamma, beta, EPS);
    const decay = Math.fround(1 - 0.9);
    const moved = (old: Float32Array, batch: Float64Array) => Float32Array.from(old, (v, c) => Math.fround(v - Math.fround(Math.fround(v - Math.fround(batch[c])) * decay)));
    const w = m.getWeights();
    assertClose(w[2].data, moved(mm, ref.mean), { rtol: 1e-6, atol: 1e-7 }, 'moving mean');
    assertClose(w[3].data, moved(mv, ref.variance), { rtol: 1e-6, atol: 1e-7 }, 'moving variance');
    m.dispose();
  });

  test('center: false and scale: false drop beta and gamma (they read as 0 and 1)', async () => {
    const m = bnOnly(C, { center: false, scale: false });
    expect(m.getWeights().map((w) => w.name)).toEqual(['batch_normalization/moving_mean', 'batch_normalization/moving_variance']);
    expect(m.countParams()).toBe(2 * C);
    m.setWeights([mm, mv]);
    const ones = new Float32Array(C).fill(1), zeros = new Float32Array(C);
    const y = await m.predict(tensor(x, [N, 4, 3, C]));
    assertClose(y.data, batchNormInference(x, C, ones, zeros, mm, mv, EPS), { rtol: 1e-5, atol: 1e-6 }, 'inference');
    const out = await m.computeGradients(tensor(x, [N, 4, 3, C]), tensor(t, [N, 4, 3, C]), { input: true });
    const ref = batchNormTraining(x, C, ones, zeros, EPS);
    assertClose(out.inputGradient!.data, ref.backward(ref.y.map((v, i) => (2 * (v - t[i])) / ref.y.length)).dx, { rtol: 1e-4, atol: 1e-7 }, 'dx');
    m.dispose();
  });
});

/** conv (tanh) -> BN -> conv (sigmoid): BCE. */
function convBnNet(options: { threads?: number; variant?: 'simd' | 'scalar' | 'simd-threads' } = {}): LayersModel {
  const x = input({ shape: [6, 6, 2] });
  const h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'c1' }).apply(x);
  const n = layers.batchNormalization({ name: 'bn' }).apply(h);
  const out = layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'c2' }).apply(n);
  const m = model({ inputs: x, outputs: out, seed: 3, threads: options.threads ?? 1, variant: options.variant });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

test('finite differences of the training loss through the batch statistics (every trainable weight, the input)', async () => {
  const m = convBnNet();
  const N = 5;
  const x = data(11, N * 72, 0, 1), y = data(12, N * 36, 0, 1);
  const X = tensor(x, [N, 6, 6, 2]), Y = tensor(y, [N, 6, 6, 1]);
  const { gradients, inputGradient } = await m.computeGradients(X, Y, { input: true });
  const trainingLoss = async () => (await m.computeGradients(X, Y)).loss;   // computeGradients runs in training mode
  const eps = 1e-3;
  let compared = 0;
  const weights = m.getWeights();
  const check = (numeric: number, analytic: number, what: string) => {
    if (Math.abs(analytic) < 2e-4) return;
    compared++;
    if (Math.abs(numeric - analytic) > 1e-6 + 5e-3 * Math.abs(analytic)) throw new Error(`${what}: numeric ${numeric} vs analytic ${analytic}`);
  };
  for (const [t, g] of gradients.entries()) {
    const w = weights.find((v) => v.name === g.name)!;
    const order = Array.from(g.data.keys()).sort((i, j) => Math.abs(g.data[j]) - Math.abs(g.data[i]));
    for (const i of order.slice(0, 3)) {
      const orig = w.data[i];
      w.data[i] = orig + eps; m.setWeights(weights); const up = await trainingLoss();
      w.data[i] = orig - eps; m.setWeights(weights); const down = await trainingLoss();
      w.data[i] = orig; m.setWeights(weights);
      check((up - down) / (2 * eps), g.data[i], `${g.name}[${i}] (tensor ${t})`);
    }
  }
  const order = Array.from(x.keys()).sort((i, j) => Math.abs(inputGradient!.data[j]) - Math.abs(inputGradient!.data[i]));
  for (const i of order.slice(0, 6)) {
    const orig = x[i];
    x[i] = orig + eps; const up = await trainingLoss();
    x[i] = orig - eps; const down = await trainingLoss();
    x[i] = orig;
    check((up - down) / (2 * eps), inputGradient!.data[i], `x[${i}]`);
  }
  expect(compared).toBeGreaterThanOrEqual(15);
  m.dispose();
});

test('training with batch statistics gives the same bits on 1, 2 and 3 threads and in the scalar build', async () => {
  const N = 11;   // 11 chunks of one sample: threads own different numbers of chunks
  const x = tensor(data(13, N * 72, 0, 1), [N, 6, 6, 2]), y = tensor(data(14, N * 36, 0, 1), [N, 6, 6, 1]);
  const run = async (options: Parameters<typeof convBnNet>[0]) => {
    const m = convBnNet(options);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 11 });
    const out = { loss: h.history.loss, w: m.getWeights().map((t) => Array.from(t.data)), p: Array.from((await m.predict(x)).data) };
    m.dispose();
    return out;
  };
  const one = await run({ variant: 'simd', threads: 1 });
  for (const threads of [1, 2, 3]) expect(await run({ variant: 'simd-threads', threads })).toEqual(one);
  expect(await run({ variant: 'scalar' })).toEqual(one);
});

describe('TF.js parity', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });
  const N = 8;
  const x = data(15, N * 72, 0, 1), y = data(16, N * 36, 0, 1);

  function tfTwin(ours: LayersModel): tf.LayersModel {
    const xi = tf.input({ shape: [6, 6, 2] });
    const h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'c1' }).apply(xi) as tf.SymbolicTensor;
    const n = tf.layers.batchNormalization({ name: 'bn' }).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'c2' }).apply(n) as tf.SymbolicTensor;
    const t = tf.model({ inputs: xi, outputs: out });
    // TF.js's model.weights: trainable ones in layer order, then the moving statistics: our order too.
    expect(t.weights.map((w) => w.originalName)).toEqual(ours.weights.map((w) => w.name));
    t.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, w.shape)));
    return t;
  }
  const rel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let d = 0, m = 0;
    for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
    return d / m;
  };

  test('forward in inference, training-mode gradients, and 20 adam steps with the moving statistics', async () => {
    const m = convBnNet();
    const t = tfTwin(m);
    const [xt, yt] = [tf.tensor(x, [N, 6, 6, 2]), tf.tensor(y, [N, 6, 6, 1])];
    const predicted = (await m.predict(tensor(x, [N, 6, 6, 2]))).data;
    expect(rel(predicted, (t.predict(xt) as tf.Tensor).dataSync())).toBeLessThan(1e-6);       // measured 6e-8

    const ours = await m.computeGradients(tensor(x, [N, 6, 6, 2]), tensor(y, [N, 6, 6, 1]));
    const vars = t.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.binaryCrossentropy(yt, t.apply(xt, { training: true }) as tf.Tensor)) as tf.Scalar, vars);
    expect(Math.abs(ours.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-6);
    ours.gradients.forEach((g, k) => {
      expect(t.trainableWeights[k].originalName).toBe(g.name);
      expect(rel(g.data, grads[vars[k].name].dataSync())).toBeLessThan(1e-5);                  // measured 2e-7
    });

    // TF.js's gradient pass above moved its moving statistics (training: true does): start again.
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, w.shape)));
    t.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    m.compile({ optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy' });
    const theirs: number[] = [];
    for (let s = 0; s < 20; s++) theirs.push(await t.trainOnBatch(xt, yt) as number);
    const h = await m.fit(tensor(x, [N, 6, 6, 2]), tensor(y, [N, 6, 6, 1]), { epochs: 20, batchSize: N, shuffle: false });
    h.history.loss.forEach((l, s) => expect(Math.abs(l - theirs[s]) / theirs[s]).toBeLessThan(1e-5));
    const tfAfter = t.getWeights().map((w) => w.dataSync());
    m.getWeights().forEach((w, k) => expect(rel(w.data, tfAfter[k])).toBeLessThan(1e-4));   // moving statistics included
    expect(Math.max(...m.getWeights()[4].data.map(Math.abs))).toBeGreaterThan(1e-3);       // the moving mean did move from 0
    tf.dispose([xt, yt, value, ...Object.values(grads)]);
    t.dispose();
    m.dispose();
  });

  test('model files both ways: TF.js loads ours (moving statistics and all) and we load TF.js\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'denoise-bn-'));
    try {
      const m = convBnNet();
      await m.fit(tensor(x, [N, 6, 6, 2]), tensor(y, [N, 6, 6, 1]), { epochs: 2, batchSize: 4 });
      await m.save(join(dir, 'ours'));
      const t = await tfLoad(dir, 'ours');
      const xt = tf.tensor(x, [N, 6, 6, 2]);
      const ourPrediction = (await m.predict(tensor(x, [N, 6, 6, 2]))).data;
      expect(rel(ourPrediction, (t.predict(xt) as tf.Tensor).dataSync())).toBeLessThan(1e-6);
      expect(t.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.name));
      t.getWeights().forEach((w, k) => expect(Array.from(w.dataSync())).toEqual(Array.from(m.getWeights()[k].data)));
      // and back: TF.js trains it one more step and saves it; we load its moving statistics and adam state
      t.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
      await t.trainOnBatch(xt, tf.tensor(y, [N, 6, 6, 1]));
      const back = await loadModel(await tfSave(t, dir, 'theirs'), { threads: 1 });
      t.getWeights().forEach((w, k) => expect(Array.from(back.getWeights()[k].data)).toEqual(Array.from(w.dataSync())));
      expect(back.weights.filter((w) => !w.trainable).map((w) => w.name)).toEqual(['bn/moving_mean', 'bn/moving_variance']);
      expect(rel((await back.predict(tensor(x, [N, 6, 6, 2]))).data, (t.predict(xt) as tf.Tensor).dataSync())).toBeLessThan(1e-6);
      expect(back.summary(null)).toMatch(/Non-trainable params: 8/);
      t.dispose(); m.dispose(); back.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
