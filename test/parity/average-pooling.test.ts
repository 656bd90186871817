/**
 * Issue 17's TF.js proof for AveragePooling2D: conv nets using it agree with TensorFlow.js 4.22 (cpu
 * backend, float32) given the same weights. A net whose pools never see 'same' padding (a 2x2 pool on an
 * even size, a 3x3 stride-1 'valid' pool): forward, the loss, every gradient and 20 adam steps. A net
 * whose 'same' pools have partial windows at the border (odd sizes): forward only, because TF.js cpu's
 * AvgPoolGrad divides every window by its full size there (test/reference/tfjs-crosscheck.test.ts shows
 * it; ours follows the forward, as finite differences and TF's own AvgPoolGrad do). The TF.js side runs
 * in a worker thread (tfjs-reference-worker.mjs).
 *
 * Each build (simd-threads on 2 threads, simd, scalar) is compared with one TF.js run. Tolerances sit
 * 3-10x above the worst measured (in comments, printed at the end by Report).
 */
import * as tf from '@tensorflow/tfjs';
import { Sequential, layers } from '../../src/index.js';
import { relElementwise, strokeImages, uniform, Report } from './tfjs-helpers.js';
import { tfReferenceOf, expectSameTwin, compareGradients, compareAdamTraining, VARIANTS, runOptions, useTfCpu, type Reference, type Variant } from './tfjs-worker-client.js';

const report = new Report();
const SIZE = 16, SEED = 23, LEARNING_RATE = 0.01;
const FWD_N = 8, GRAD_N = 4, BATCH = 2, STEPS = 20;

beforeAll(useTfCpu);
afterAll(() => report.print('TF.js parity, AveragePooling2D: measured differences (value, tolerance)'));

const conv = (filters: number, activation: 'relu' | 'sigmoid') => ({ filters, kernelSize: 3, padding: 'same' as const, activation });

/** conv(8) avgPool(2, same, no padding on 16x16) conv(8) avgPool(3, stride 1, valid) conv(1, sigmoid): 16x16 -> 6x6. */
const unpadded = {
  ours: (options: { variant?: Variant; threads?: number } = {}) => new Sequential({ inputShape: [SIZE, SIZE, 1], seed: SEED, threads: 1, ...options }, [
    layers.conv2d(conv(8, 'relu')), layers.averagePooling2d({ poolSize: 2, padding: 'same' }), layers.conv2d(conv(8, 'relu')),
    layers.averagePooling2d({ poolSize: 3, strides: 1 }), layers.conv2d(conv(1, 'sigmoid')),
  ]),
  theirs: () => tf.sequential({ layers: [
    tf.layers.conv2d({ ...conv(8, 'relu'), inputShape: [SIZE, SIZE, 1] }), tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
    tf.layers.conv2d(conv(8, 'relu')), tf.layers.averagePooling2d({ poolSize: 3, strides: 1 }), tf.layers.conv2d(conv(1, 'sigmoid')),
  ] }),
};

/** On 15x15: avgPool(2, same) to 8x8 (partial windows), avgPool(3, stride 2, same) to 4x4 (partial windows). */
const padded = {
  ours: (options: { variant?: Variant; threads?: number } = {}) => new Sequential({ inputShape: [15, 15, 1], seed: SEED, threads: 1, ...options }, [
    layers.conv2d(conv(6, 'relu')), layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
    layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), layers.conv2d(conv(1, 'sigmoid')),
  ]),
  theirs: () => tf.sequential({ layers: [
    tf.layers.conv2d({ ...conv(6, 'relu'), inputShape: [15, 15, 1] }), tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
    tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), tf.layers.conv2d(conv(1, 'sigmoid')),
  ] }),
};

describe('AveragePooling2D without padded windows vs TF.js', () => {
  const { noisy } = strokeImages(Math.max(FWD_N, GRAD_N, BATCH * STEPS), 7, SIZE);
  const targets = uniform([BATCH * STEPS, 6, 6, 1], 707);
  const init = unpadded.ours().getWeights();
  let ref: Reference;

  beforeAll(async () => {
    ref = await tfReferenceOf(unpadded.theirs(), init, {
      x: noisy, y: targets, loss: 'binaryCrossentropy', fwdN: FWD_N, gradN: GRAD_N, perSample: false, batch: BATCH, steps: STEPS, learningRate: LEARNING_RATE,
    });
  }, 120_000);

  test('the TF.js twin has the same layers, shapes and parameter count', () => expectSameTwin(unpadded.ours(), unpadded.theirs()));

  test.each(VARIANTS)('forward, loss and every gradient (%s)', async (variant) => {
    const m = unpadded.ours(runOptions(variant));
    expect((await m.engineInfo()).variant).toBe(variant);
    const d = await compareGradients(m, noisy, targets, FWD_N, GRAD_N, 'binaryCrossentropy', ref);
    // measured (all builds alike): forward 6.2e-8, loss 4.4e-9, gradients 8.5e-7 (conv2d/bias)
    report.check(`forward, batch ${FWD_N} (${variant})`, d.forward, 1e-6);
    report.check(`loss, batch ${GRAD_N} (${variant})`, d.loss, 3e-7);
    report.check(`${init.length} gradients (${variant}, worst: ${d.at})`, d.worst, 3e-6);
    m.dispose();
  });

  test.each(VARIANTS)('20 adam steps, lr 0.01, batch 2 (%s)', async (variant) => {
    const m = unpadded.ours(runOptions(variant));
    const d = await compareAdamTraining(m, noisy, targets, STEPS, BATCH, LEARNING_RATE, 'binaryCrossentropy', init, ref);
    m.dispose();
    // measured (all builds alike): training losses 4.4e-8, weight change 6.9e-6 (conv2d_1/kernel)
    report.check(`adam: worst loss of ${STEPS} steps (${variant})`, d.loss, 5e-7);
    report.check(`adam: weight change (${variant}, worst: ${d.at})`, d.worst, 3e-5);
  });
});

describe("AveragePooling2D with partial 'same' windows vs TF.js: forward", () => {
  test.each(VARIANTS)('%s', async (variant) => {
    const { noisy } = strokeImages(FWD_N, 8, 15);
    const m = padded.ours(runOptions(variant)), t = padded.theirs();
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, w.shape)));
    expect(t.layers.map((l) => (l.outputShape as number[]).slice(1))).toEqual(m.nodes.map((n) => n.outputShape));
    const xt = tf.tensor(noisy.data, noisy.shape);
    const theirs = (t.predict(xt) as tf.Tensor).dataSync() as Float32Array;
    const fwd = relElementwise((await m.predict(noisy)).data, theirs);
    // measured 1.1e-7 (all builds). A mean over the full window (padding counted as 0) would be off by up to 75% at the corners.
    report.add(`padded windows: forward, batch ${FWD_N} (${variant})`, fwd, 1e-6);
    expect(fwd).toBeLessThan(1e-6);
    tf.dispose([xt]);
    t.dispose();
    m.dispose();
  });
});
