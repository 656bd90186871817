/**
 * Model files travel both ways between denoise-wasm and TensorFlow.js 4.22 (cpu backend): TF.js's own
 * loader (tf.loadLayersModel over its http handler, served from disk by a fetch function) reads what
 * model.save() writes, optimizer state included, and loadModel reads what TF.js's LayersModel.save
 * writes (its http handler's upload, caught by the fetch function and written to disk as it is).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, layers, presets, optimizers, loadModel, type Tensor } from '../../src/index.js';
import { tfLoad, tfSave } from './tfjs-disk.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denoise-tfjs-'));
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

function images(n: number, h: number, w: number, c = 1, seed = 1): Tensor {
  let s = seed >>> 0;
  const data = Float32Array.from({ length: n * h * w * c }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296));
  return { data, shape: [n, h, w, c] };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('TF.js loads what we save', () => {
  test('the tutorial model, trained with adam: same outputs, and TF.js gets our optimizer state', async () => {
    const m = presets.kerasTutorial({ threads: 1, seed: 2, compile: false });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
    const x = images(6, 28, 28);
    await m.fit(x, x, { epochs: 1, batchSize: 3 });
    await m.save(join(dir, 'ours-tutorial'));

    const t = await tfLoad(dir, 'ours-tutorial');
    const xt = tf.tensor(x.data, x.shape);
    const tfOut = (t.predict(xt) as tf.Tensor).dataSync() as Float32Array;
    expect(maxAbsDiff(tfOut, (await m.predict(x)).data)).toBeLessThan(1e-5);

    // TF.js restored the optimizer: its class, config, step count and m/v slots (bit for bit)
    expect(t.optimizer.getClassName()).toBe('Adam');
    expect(t.optimizer.getConfig().learningRate).toBe(0.01);
    const tfState = await t.optimizer.getWeights();
    const ours = m.getOptimizerState()!;
    const weights = m.getWeights();
    expect(tfState.length).toBe(1 + 2 * weights.length);
    expect(tfState[0].tensor.dataSync()[0]).toBe(2);
    expect(tfState[1].name).toBe('conv2d/kernel/m');
    expect(tfState[1 + weights.length].name).toBe('conv2d/kernel/v');
    const flat = (k: number) => new Float32Array(tfState.slice(1 + k * weights.length, 1 + (k + 1) * weights.length)
      .flatMap((w) => Array.from(w.tensor.dataSync() as Float32Array)));
    expect(bits(flat(0))).toEqual(bits(ours.slots[0]));
    expect(bits(flat(1))).toEqual(bits(ours.slots[1]));
    tf.dispose([xt]);
    t.dispose();
    m.dispose();
  });

  test('every supported layer kind and activation', async () => {
    const m = new Sequential({ inputShape: [9, 8, 2], threads: 1, seed: 4 }, [
      layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, activation: 'tanh' }),
      layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      layers.upSampling2d({ size: [2, 3] }),
      layers.conv2d({ filters: 2, kernelSize: 1, activation: 'linear', padding: 'same' }),
      layers.flatten(),
      layers.dense({ units: 12, activation: 'relu' }),
      layers.reshape({ targetShape: [2, 3, 2] }),
      layers.dense({ units: 2, activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'meanSquaredError' });
    const x = images(4, 9, 8, 2, 7);
    await m.fit(x, { data: new Float32Array(4 * 12).fill(0.5), shape: [4, 2, 3, 2] }, { epochs: 1, batchSize: 2 });
    await m.save(join(dir, 'ours-mixed'));
    const t = await tfLoad(dir, 'ours-mixed');
    expect(t.optimizer.getClassName()).toBe('Momentum');
    const xt = tf.tensor(x.data, x.shape);
    expect(maxAbsDiff((t.predict(xt) as tf.Tensor).dataSync() as Float32Array, (await m.predict(x)).data)).toBeLessThan(1e-5);
    tf.dispose([xt]);
    t.dispose();
    m.dispose();
  });
});

describe('we load what TF.js saves', () => {
  const saveTf = (t: tf.LayersModel, name: string) => tfSave(t, dir, name);

  test('a conv autoencoder trained in TF.js with adam: same outputs, its optimizer state, and training goes on', async () => {
    const conv = (filters: number, activation: 'relu' | 'sigmoid', first = false) =>
      tf.layers.conv2d({ filters, kernelSize: 3, activation, padding: 'same', ...(first ? { inputShape: [12, 12, 1] } : {}) });
    const t = tf.sequential({ layers: [
      conv(4, 'relu', true), tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.upSampling2d({ size: [2, 2] }), conv(1, 'sigmoid'),
    ] });
    t.compile({ optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy' });
    const x = images(4, 12, 12, 1, 3);
    const xt = tf.tensor(x.data, x.shape);
    await t.fit(xt, xt, { epochs: 2, batchSize: 4 });
    const path = await saveTf(t, 'tf-conv');
    const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['./model.weights.bin']);

    const m = await loadModel(path, { threads: 1 });
    expect(m.layers.map((l) => l.name)).toEqual(t.layers.map((l) => l.name));
    expect(maxAbsDiff((await m.predict(x)).data, (t.predict(xt) as tf.Tensor).dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(m.compileConfig).toEqual({ optimizer: expect.objectContaining({ type: 'adam', learningRate: 0.02 }), loss: 'binaryCrossentropy' });
    const state = m.getOptimizerState()!;
    expect(state.iterations).toBe(2);
    expect(state.accBetas[0]).toBeCloseTo(0.9 ** 3, 6);
    const tfState = await t.optimizer.getWeights();
    const mFlat = new Float32Array(tfState.slice(1, 5).flatMap((w) => Array.from(w.tensor.dataSync() as Float32Array)));
    expect(bits(state.slots[0])).toEqual(bits(mFlat));
    const h = await m.fit(x, x, { epochs: 1, batchSize: 4 });
    expect(h.history.loss[0]).toBeGreaterThan(0);
    tf.dispose([xt]);
    t.dispose();
    m.dispose();
  });

  test('InputLayer, Dense, Flatten, Reshape, tanh and linear, strides, valid padding', async () => {
    const t = tf.sequential({ layers: [
      tf.layers.inputLayer({ inputShape: [10, 10, 1] }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'tanh' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'valid' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 8, activation: 'linear' }),
      tf.layers.reshape({ targetShape: [2, 2, 2] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }),
    ] });
    t.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'meanSquaredError' });
    const x = images(3, 10, 10, 1, 9);
    const xt = tf.tensor(x.data, x.shape);
    await t.fit(xt, tf.zeros([3, 4, 4, 1]), { epochs: 1, batchSize: 3 });
    const m = await loadModel(await saveTf(t, 'tf-mixed'), { threads: 1 });
    expect(m.inputShape).toEqual([10, 10, 1]);
    expect(m.compileConfig?.optimizer).toEqual(expect.objectContaining({ type: 'sgd', momentum: 0.9, nesterov: false }));
    expect(maxAbsDiff((await m.predict(x)).data, (t.predict(xt) as tf.Tensor).dataSync() as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([xt]);
    t.dispose();
    m.dispose();
  });

  test('a TF.js layer we do not support is named in the error', async () => {
    const t = tf.sequential({ layers: [
      tf.layers.dense({ units: 4, inputShape: [3] }),
      tf.layers.gaussianDropout({ rate: 0.5 }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    t.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const path = await saveTf(t, 'tf-gaussian-dropout');
    await expect(loadModel(path)).rejects.toThrow(new RegExp(`layer 1 \\(${t.layers[1].name}\\) is a "GaussianDropout", which denoise-wasm does not support`));
    t.dispose();
  });
});
