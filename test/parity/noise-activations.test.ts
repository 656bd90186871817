/**
 * Issue 12's TF.js proof for LeakyReLU, the activations elu, selu and softplus, and Dropout and
 * GaussianNoise where TF.js is deterministic: a conv net using all of them (Dropout at rate 0 and
 * GaussianNoise at stddev 0 in training, where both are the identity) agrees with TensorFlow.js 4.22 (cpu
 * backend, float32) given the same weights: forward, the loss and every gradient, and 20 adam steps.
 * With rate 0.5 and stddev 0.4 both layers are the identity in predict, in both libraries. The TF.js side
 * runs in a worker thread (tfjs-reference-worker.mjs; see its header for why).
 *
 * Each build (simd-threads on 2 threads, simd, scalar) is compared with one TF.js run. Tolerances sit
 * 3-10x above the worst measured (in comments, printed at the end by Report), as in functional.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { Sequential, layers, sliceRows, type Layer, type NamedWeight } from '../../src/index.js';
import { relElementwise, strokeImages, Report } from './tfjs-helpers.js';
import { tfReferenceOf, expectSameTwin, compareGradients, compareAdamTraining, VARIANTS, runOptions, useTfCpu, type Reference, type Variant } from './tfjs-worker-client.js';

const report = new Report();
const SIZE = 16, SEED = 21, LEARNING_RATE = 0.01;
const FWD_N = 8, GRAD_N = 4, BATCH = 2, STEPS = 20;

beforeAll(useTfCpu);
afterAll(() => report.print('TF.js parity, LeakyReLU / elu / selu / softplus / Dropout / GaussianNoise: measured differences (value, tolerance)'));

/** The net, once per library: conv(elu) leakyReLU dropout conv(selu) noise conv(softplus) activation(elu) conv(sigmoid). */
function recipe(rate: number, stddev: number) {
  const conv = (filters: number, activation: 'elu' | 'selu' | 'softplus' | 'sigmoid') => ({ filters, kernelSize: 3, padding: 'same' as const, activation });
  return {
    ours: (options: { variant?: Variant; threads?: number } = {}) => new Sequential({ inputShape: [SIZE, SIZE, 1], seed: SEED, threads: 1, ...options }, [
      layers.conv2d(conv(8, 'elu')), layers.leakyReLU({ alpha: 0.2 }), layers.dropout({ rate }), layers.conv2d(conv(8, 'selu')),
      layers.gaussianNoise({ stddev }), layers.conv2d(conv(6, 'softplus')), layers.activation({ activation: 'elu' }),
      layers.conv2d(conv(1, 'sigmoid')),
    ] as Layer[]),
    theirs: () => tf.sequential({ layers: [
      tf.layers.conv2d({ ...conv(8, 'elu'), inputShape: [SIZE, SIZE, 1] }), tf.layers.leakyReLU({ alpha: 0.2 }), tf.layers.dropout({ rate }),
      tf.layers.conv2d(conv(8, 'selu')), tf.layers.gaussianNoise({ stddev }), tf.layers.conv2d(conv(6, 'softplus')),
      tf.layers.activation({ activation: 'elu' }), tf.layers.conv2d(conv(1, 'sigmoid')),
    ] }),
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('LeakyReLU, elu, selu, softplus (Dropout rate 0, GaussianNoise stddev 0 in training) vs TF.js', () => {
  const { clean, noisy } = strokeImages(Math.max(FWD_N, GRAD_N, BATCH * STEPS), 5, SIZE);
  const r = recipe(0, 0);
  const init = r.ours().getWeights();
  let ref: Reference;
  const trained = new Map<Variant, { losses: number[]; weights: NamedWeight[] }>();

  beforeAll(async () => {
    ref = await tfReferenceOf(r.theirs(), init, {
      x: noisy, y: clean, loss: 'binaryCrossentropy', fwdN: FWD_N, gradN: GRAD_N, perSample: false, batch: BATCH, steps: STEPS, learningRate: LEARNING_RATE,
    });
  }, 120_000);

  test('the TF.js twin has the same layers, shapes and parameter count', () => expectSameTwin(r.ours(), r.theirs()));

  test.each(VARIANTS)('forward, loss and every gradient (%s)', async (variant) => {
    const m = r.ours(runOptions(variant));
    expect((await m.engineInfo()).variant).toBe(variant);
    const d = await compareGradients(m, noisy, clean, FWD_N, GRAD_N, 'binaryCrossentropy', ref);
    // measured (all builds alike): forward 2.4e-7, loss 8.3e-9, gradients 2.8e-7 (conv2d_3/kernel)
    report.check(`forward, batch ${FWD_N} (${variant})`, d.forward, 1e-6);
    report.check(`loss, batch ${GRAD_N} (${variant})`, d.loss, 3e-7);
    report.check(`${init.length} gradients (${variant}, worst: ${d.at})`, d.worst, 3e-6);
    m.dispose();
  });

  test.each(VARIANTS)('20 adam steps, lr 0.01, batch 2 (%s)', async (variant) => {
    const m = r.ours(runOptions(variant));
    const d = await compareAdamTraining(m, noisy, clean, STEPS, BATCH, LEARNING_RATE, 'binaryCrossentropy', init, ref);
    m.dispose();
    trained.set(variant, { losses: d.losses, weights: d.weights });
    expect(ref.train.losses[0] - Math.min(...ref.train.losses.slice(-5))).toBeGreaterThan(0.1 * ref.train.losses[0]);   // training moves
    // measured: training losses 8.0e-8, weight change 1.9e-6 (conv2d_1/kernel)
    report.check(`adam: worst loss of ${STEPS} steps (${variant})`, d.loss, 5e-7);
    report.check(`adam: weight change (${variant}, worst: ${d.at})`, d.worst, 1e-5);
  });

  test('the three builds trained to the same bits', () => {
    expect([...trained.keys()].sort()).toEqual([...VARIANTS].sort());
    const [first, ...rest] = VARIANTS.map((v) => trained.get(v)!);
    for (const other of rest) {
      expect(other.losses).toEqual(first.losses);
      other.weights.forEach((w, k) => expect(bits(w.data)).toEqual(bits(first.weights[k].data)));
    }
  });

  test('probe: leakyReLU alpha 0.3 for 0.2 is far outside the forward tolerance', async () => {
    const m = new Sequential({ inputShape: [SIZE, SIZE, 1], threads: 1 }, [
      layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'elu' }), layers.leakyReLU({ alpha: 0.3 }), layers.dropout({ rate: 0 }),
      layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'selu' }), layers.gaussianNoise({ stddev: 0 }),
      layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'softplus' }), layers.activation({ activation: 'elu' }),
      layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    ]);
    m.setWeights(init);
    const d = relElementwise((await m.predict(sliceRows(noisy, 0, FWD_N))).data, ref.out);
    report.add('probe: alpha 0.3, forward', d, 1e-6);
    expect(d).toBeGreaterThan(100 * 1e-6);
    m.dispose();
  });
});

test('Dropout (rate 0.5) and GaussianNoise (stddev 0.4) are the identity in predict, as in TF.js', async () => {
  const { noisy } = strokeImages(4, 6, SIZE);
  const r = recipe(0.5, 0.4);
  const m = r.ours();
  const t = r.theirs();
  t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, w.shape)));
  const x = tf.tensor(noisy.data, noisy.shape);
  const theirs = (t.predict(x) as tf.Tensor).dataSync() as Float32Array;
  const d = relElementwise((await m.predict(noisy)).data, theirs);
  report.add('predict with dropout 0.5 and noise 0.4 (simd)', d, 1e-6);
  expect(d).toBeLessThan(1e-6);
  tf.dispose([x]);
  t.dispose();
  m.dispose();
});
