/**
 * Model files of issue 12's layers both ways with TensorFlow.js 4.22: Dropout, GaussianNoise, LeakyReLU
 * and the activations elu, selu, softplus. GaussianNoise's clip is not Keras: our files keep it in
 * userDefinedMetadata['denoise-wasm'].layerOptions, TF.js loads the layer as a plain GaussianNoise (the
 * same in inference), and our loader restores the clip.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, layers, loadModel, type Tensor } from '../../src/index.js';
import { tfLoad, tfSave } from './tfjs-disk.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denoise-noise-files-'));
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

function images(n: number, seed = 1): Tensor {
  let s = seed >>> 0;
  return { data: Float32Array.from({ length: n * 10 * 10 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296)), shape: [n, 10, 10, 1] };
}
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('TF.js loads what we save (clip in our metadata), and we load it back with the clip', async () => {
  const m = new Sequential({ inputShape: [10, 10, 1], threads: 1, seed: 3 }, [
    layers.gaussianNoise({ stddev: 0.4, clip: [0, 1], seed: 7 }),
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'elu' }),
    layers.leakyReLU({ alpha: 0.1 }),
    layers.dropout({ rate: 0.25, seed: 3 }),
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'selu' }),
    layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'softplus' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const x = images(3);
  await m.fit(x, x, { epochs: 1, batchSize: 3 });
  await m.save(join(dir, 'ours'));
  const json = JSON.parse(await readFile(join(dir, 'ours', 'model.json'), 'utf8'));
  const configs = json.modelTopology.config.layers.map((l: { class_name: string; config: Record<string, unknown> }) => [l.class_name, l.config]);
  expect(configs[0]).toEqual(['GaussianNoise', expect.objectContaining({ stddev: 0.4, seed: 7 })]);
  expect(configs[0][1]).not.toHaveProperty('clip');
  expect(configs[2]).toEqual(['LeakyReLU', expect.objectContaining({ alpha: 0.1 })]);
  expect(configs[3]).toEqual(['Dropout', expect.objectContaining({ rate: 0.25, noise_shape: null, seed: 3 })]);
  expect(json.userDefinedMetadata['denoise-wasm'].layerOptions).toEqual({ gaussian_noise: { clip: [0, 1] } });

  const t = await tfLoad(dir, 'ours');
  expect(t.layers.map((l) => l.getClassName())).toEqual(['GaussianNoise', 'Conv2D', 'LeakyReLU', 'Dropout', 'Conv2D', 'Conv2D']);
  const xt = tf.tensor(x.data, x.shape);
  const ours = (await m.predict(x)).data;
  expect(maxAbsDiff((t.predict(xt) as tf.Tensor).dataSync() as Float32Array, ours)).toBeLessThan(1e-5);

  const back = await loadModel(join(dir, 'ours'), { threads: 1 });
  const unnamed = (c: Record<string, unknown>) => { const { name: _, ...rest } = c; return rest; };
  expect(back.layerConfigs.map((l) => unnamed(l.config))).toEqual(m.layerConfigs.map((l) => l.config));
  expect((await back.predict(x)).data).toEqual(ours);
  // the clip came back: training on the same state gives the same bits as the original model
  const [a, b] = [await m.computeGradients(x, x), await back.computeGradients(x, x)];
  expect(b.loss).toBe(a.loss);
  tf.dispose([xt]);
  t.dispose(); m.dispose(); back.dispose();
});

test('we load what TF.js saves: Dropout, GaussianNoise, LeakyReLU (default alpha), elu / selu / softplus', async () => {
  const t = tf.sequential({ layers: [
    tf.layers.gaussianNoise({ stddev: 0.2, inputShape: [10, 10, 1] }),
    tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'selu' }),
    tf.layers.leakyReLU(),
    tf.layers.dropout({ rate: 0.4 }),
    tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'elu' }),
    tf.layers.activation({ activation: 'softplus' }),
    tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }),
  ] });
  t.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
  const x = images(2, 5);
  const xt = tf.tensor(x.data, x.shape);
  await t.fit(xt, xt, { epochs: 1, batchSize: 2 });
  const m = await loadModel(await tfSave(t, dir, 'theirs'), { threads: 1 });
  expect(m.layerConfigs.map((l) => l.className)).toEqual(['GaussianNoise', 'Conv2D', 'LeakyReLU', 'Dropout', 'Conv2D', 'Activation', 'Conv2D']);
  expect(m.layerConfigs[2].config.alpha).toBe(0.3);
  expect(m.layerConfigs[3].config.rate).toBe(0.4);
  expect(maxAbsDiff((await m.predict(x)).data, (t.predict(xt) as tf.Tensor).dataSync() as Float32Array)).toBeLessThan(1e-5);
  const h = await m.fit(x, x, { epochs: 1, batchSize: 2 });   // and it trains on
  expect(h.history.loss[0]).toBeGreaterThan(0);
  tf.dispose([xt]);
  t.dispose(); m.dispose();
});

test("Keras 3's negative_slope and a noise_shape are read or refused by name", async () => {
  const { modelFromFiles } = await import('../../src/io/model-format.js');
  const file = (extra: Record<string, unknown>) => ({
    format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } }, extra] } }, weightsManifest: [{ paths: [], weights: [] }],
  });
  const m = modelFromFiles(file({ class_name: 'LeakyReLU', config: { name: 'lr', negative_slope: 0.05 } }), () => new Uint8Array(0));
  expect(m.layerConfigs[0].config.alpha).toBe(0.05);
  expect(() => modelFromFiles(file({ class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [null, 1] } }), () => new Uint8Array(0)))
    .toThrow(/layer 1 \(d\): noise_shape \[null,1\] is not supported/);
});
