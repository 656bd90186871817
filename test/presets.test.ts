// Presets built with the functional API: their shapes, parameter counts and that they train.
import * as tf from '@tensorflow/tfjs';
import { model, presets, tensor, Random } from '../src/index.js';

describe('presets.dncnn', () => {
  test('the paper\'s grey model: 17 layers of 64 filters, BatchNormalization, residual output', () => {
    const m = presets.dncnn({ compile: false });
    // 3x3x1x64 + 64, then 15 x (3x3x64x64 + 64 + BatchNormalization's 4 x 64), then 3x3x64x1 + 1
    expect(m.countParams()).toBe(640 + 15 * (36928 + 256) + 577);
    expect(m.weights.filter((w) => !w.trainable)).toHaveLength(30);   // 15 moving means and variances
    expect(m.inputShape).toEqual([40, 40, 1]);
    expect(m.summary(null)).toMatch(/denoised \(Subtract\)\s+\(None, 40, 40, 1\)\s+0\s+\['noisy\[0\]\[0\]', 'noise\[0\]\[0\]'\]/);
  });

  test('a small colour one trains (loss falls), runs at another size, and refuses bad options', async () => {
    const m = presets.dncnn({ depth: 4, filters: 8, channels: 3, patchSize: 12, threads: 1 });
    const r = new Random(3);
    const clean = Float32Array.from({ length: 16 * 12 * 12 * 3 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 7));
    const noisy = clean.map((v) => v + 0.1 * r.normal());
    const h = await m.fit(tensor(noisy, [16, 12, 12, 3]), tensor(clean, [16, 12, 12, 3]), { epochs: 8, batchSize: 8 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    const big = m.withInputShape([20, 16, 3]);
    expect((await big.predict(tensor(new Float32Array(20 * 16 * 3).fill(0.5), [1, 20, 16, 3]))).shape).toEqual([1, 20, 16, 3]);
    big.dispose(); m.dispose();
    expect(() => presets.dncnn({ depth: 2 })).toThrow('presets.dncnn: depth must be an integer >= 3, got 2');
    expect(() => presets.dncnn({ channels: 2 })).toThrow(/channels must be 1 \(grey\) or 3 \(colour\), got 2/);
    expect(presets.dncnn({ batchNorm: false, depth: 5, filters: 4, compile: false }).weights.every((w) => w.trainable)).toBe(true);
  });
});

describe('presets.bottleneckAutoencoder (the seed\'s figure D)', () => {
  beforeAll(() => tf.enableProdMode());   // no "install tfjs-node" warning
  test('the parameter count is Keras\'s for the same layers (its TF.js twin\'s), 7,083', () => {
    const m = presets.bottleneckAutoencoder({ compile: false });
    const conv = (filters: number, activation = 'relu', padding: 'same' | 'valid' = 'same', first = false) =>
      tf.layers.conv2d({ filters, kernelSize: 3, activation: activation as 'relu', padding, ...(first ? { inputShape: [28, 28, 1] } : {}) });
    const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
    const up = () => tf.layers.upSampling2d({ size: [2, 2] });
    const t = tf.sequential({ layers: [
      conv(16, 'relu', 'same', true), pool(), conv(8), pool(), conv(8), pool(), tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'relu' }), tf.layers.dense({ units: 128, activation: 'relu' }), tf.layers.reshape({ targetShape: [4, 4, 8] }),
      conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid'),
    ] });
    expect(m.countParams()).toBe(t.countParams());
    expect(m.countParams()).toBe(7083);
    expect(m.countParams() - presets.kerasTutorial({ compile: false }).countParams()).toBe(128 * 10 + 10 + 10 * 128 + 128);
    expect(t.layers.map((l) => (l.outputShape as number[]).slice(1))).toEqual(m.layers.map((l) => l.outputShape));
    expect(t.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.className));
    t.dispose();
    expect(m.getLayer('code').output.shape).toEqual([null, 10]);
    expect(presets.bottleneckAutoencoder({ codeSize: 3, compile: false }).countParams()).toBe(4385 + 128 * 3 + 3 + 3 * 128 + 128);
    expect(() => presets.bottleneckAutoencoder({ codeSize: 0 })).toThrow('presets.bottleneckAutoencoder: codeSize must be a positive integer, got 0');
  });

  test('it trains, and its codes come from a sub-model over the same weights', async () => {
    const m = presets.bottleneckAutoencoder({ threads: 1, seed: 1 });
    const r = new Random(5);
    const x = tensor(Float32Array.from({ length: 16 * 784 }, (_, i) => (((i % 784) % 28) > 9 && ((i % 784) % 28) < 18 ? 0.8 : 0.1) + 0.1 * r.uniform()), [16, 28, 28, 1]);
    const h = await m.fit(x, x, { epochs: 6, batchSize: 8 });
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0]);
    const encoder = model({ inputs: m.input, outputs: m.getLayer('code').output });
    const codes = await encoder.predict(x);
    expect(codes.shape).toEqual([16, 10]);
    expect(Array.from(codes.data)).toEqual(Array.from((await m.activations(x)).find((a) => a.layer === 'code')!.data));
    encoder.dispose();
    m.dispose();
  });
});
