/**
 * Model files: save/load round trips (bit-identical), resuming training from a saved model, the
 * errors for damaged or unsupported files, and the atomic save. TF.js interop is in model-tfjs.test.ts.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Sequential, layers, presets, optimizers, loadModel, modelToFiles, addGaussianNoise,
  loadMnist, psnr, type LayersModel, type OptimizerConfig, type Tensor,
} from '../../src/index.js';
import { saveModelToDir } from '../../src/io/model-node.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-model-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Deterministic images in [0, 1]: soft strokes. */
function images(n: number, seed: number, h = 28, w = 28): Tensor {
  const data = new Float32Array(n * h * w);
  let s = seed * 2654435761 >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const cx = 6 + rnd() * 16, cy = 6 + rnd() * 16, r = 3 + rnd() * 5;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const d = Math.abs(Math.hypot(x - cx, y - cy) - r);
      data[(i * h + y) * w + x] = Math.max(0, 1 - d / 1.5);
    }
  }
  return { data, shape: [n, h, w, 1] };
}

const small = (optimizer: OptimizerConfig | 'adadelta' = 'adadelta', threads: number | 'auto' = 1) => {
  const m = new Sequential({ inputShape: [12, 12, 1], seed: 3, threads }, [
    layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 1, kernelSize: 3, activation: 'sigmoid', padding: 'same' }),
  ]);
  m.compile({ optimizer, loss: 'binaryCrossentropy' });
  return m;
};

const x12 = images(24, 1, 12, 12);
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('save and load', () => {
  test('round trip: same weights, optimizer state and outputs, bit for bit', async () => {
    const m = presets.kerasTutorial({ threads: 1, seed: 5 });
    const x = images(16, 2);
    await m.fit(addGaussianNoise(x, { seed: 1 }), x, { epochs: 1, batchSize: 8 });
    await m.save(join(dir, 'tutorial'));
    expect((await readdir(join(dir, 'tutorial'))).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'tutorial', 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toBe('denoise-wasm');
    expect(json.convertedBy).toBeNull();
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 28, 28, 1]);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights[0]).toEqual({ name: 'conv2d/kernel', shape: [3, 3, 1, 16], dtype: 'float32' });
    expect(json.trainingConfig.loss).toBe('binary_crossentropy');
    expect(json.trainingConfig.optimizer_config.class_name).toBe('Adadelta');

    const back = await loadModel(join(dir, 'tutorial'), { threads: 1 });
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    expect(back.compileConfig).toEqual(m.compileConfig);
    m.getWeights().forEach((w, i) => expect(bits(back.getWeights()[i].data)).toEqual(bits(w.data)));
    const sa = m.getOptimizerState()!, sb = back.getOptimizerState()!;
    expect(sb.iterations).toBe(2);
    expect(sb.accBetas).toEqual(sa.accBetas);
    sa.slots.forEach((s, k) => expect(bits(sb.slots[k])).toEqual(bits(s)));
    expect(bits((await back.predict(x)).data)).toEqual(bits((await m.predict(x)).data));
    // a model.json path and a file: URL work too
    const viaJson = await loadModel(join(dir, 'tutorial', 'model.json'), { threads: 1 });
    const viaUrl = await loadModel(pathToFileURL(join(dir, 'tutorial')), { threads: 1 });
    expect(bits(viaJson.getWeights()[3].data)).toEqual(bits(m.getWeights()[3].data));
    expect(bits(viaUrl.getWeights()[5].data)).toEqual(bits(m.getWeights()[5].data));
    [m, back, viaJson, viaUrl].forEach((k) => k.dispose());
  });

  test('every layer kind and activation round-trips, in memory too', async () => {
    const m = new Sequential({ inputShape: [8, 8, 2], name: 'mixed', threads: 1, seed: 9 }, [
      layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, activation: 'tanh', padding: 'valid' }),
      layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      layers.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }),
      layers.upSampling2d({ size: [2, 3] }),
      layers.flatten(),
      layers.dense({ units: 6, activation: 'linear' }),
      layers.reshape({ targetShape: [2, 3, 1] }),
      layers.dense({ units: 2, activation: 'relu', name: 'head' }),
    ]);
    const { json, weights } = modelToFiles(m);
    const back = await loadModel({ json: JSON.stringify(json), weights }, { threads: 1 });
    expect(back.name).toBe('mixed');
    expect(back.compileConfig).toBeNull();   // never compiled: no training config
    const unnamed = (s: LayersModel) => s.layerConfigs.map(({ className, config: { name, ...rest } }) => ({ className, rest }));
    expect(unnamed(back)).toEqual(unnamed(m));
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const x: Tensor = { data: Float32Array.from({ length: 5 * 128 }, (_, i) => Math.sin(i)), shape: [5, 8, 8, 2] };
    expect(bits((await back.predict(x)).data)).toEqual(bits((await m.predict(x)).data));
    m.dispose(); back.dispose();
  });

  test('from a URL: model.json is fetched, then the weights file next to it', async () => {
    const m = small();
    await m.save(join(dir, 'served'));
    const server = createServer(async (req, res) => {
      try {
        const body = await readFile(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const back = await loadModel(`${base}/served/model.json`, { threads: 1 });
      expect(bits((await back.predict(x12)).data)).toEqual(bits((await m.predict(x12)).data));
      await expect(loadModel(`${base}/nowhere/model.json`)).rejects.toThrow(/fetching .*\/nowhere\/model\.json failed: HTTP 404/);
      back.dispose();
    } finally {
      server.close();
      m.dispose();
    }
  });

  test('includeOptimizer: false stores the training config without the state', async () => {
    const m = small();
    await m.fit(x12, x12, { epochs: 1, batchSize: 8 });
    const { json } = modelToFiles(m, { includeOptimizer: false });
    expect(json.trainingConfig).toBeDefined();
    expect(json.weightsManifest[0].weights.some((w) => w.group === 'optimizer')).toBe(false);
    m.dispose();
  });
});

describe('resuming training from a saved model', () => {
  // fit() restarts its shuffling from `seed` on every call, so the uninterrupted run is two 1-epoch fit
  // calls on one model; the resumed run saves after the first and continues on the loaded copy.
  const cases: Array<[string, OptimizerConfig | 'adadelta']> = [
    ['adadelta', 'adadelta'],
    ['adam', optimizers.adam({ learningRate: 0.01 })],
    ['rmsprop centered with momentum', optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['sgd nesterov', optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ];
  test.each(cases)('%s: 1 epoch + save + load + 1 epoch = 2 epochs, bit for bit', async (name, optimizer) => {
    const fitOnce = (m: LayersModel) => m.fit(x12, x12, { epochs: 1, batchSize: 5, seed: 4 });
    const straight = small(optimizer);
    await fitOnce(straight);
    await fitOnce(straight);

    const first = small(optimizer);
    await fitOnce(first);
    const path = join(dir, `resume-${name.replace(/\W/g, '')}`);
    await first.save(path);
    first.dispose();
    const resumed = await loadModel(path, { threads: 2 });   // another thread count: same bits
    await fitOnce(resumed);

    expect(resumed.getOptimizerState()!.iterations).toBe(10);
    straight.getWeights().forEach((w, i) => expect(bits(resumed.getWeights()[i].data)).toEqual(bits(w.data)));
    straight.dispose(); resumed.dispose();
  });

  test('dispose() keeps the optimizer state, so training goes on where it was', async () => {
    const b = small('adadelta'), c = small('adadelta');
    await b.fit(x12, x12, { epochs: 1, batchSize: 6 });
    b.dispose();
    await b.fit(x12, x12, { epochs: 1, batchSize: 6 });
    await c.fit(x12, x12, { epochs: 1, batchSize: 6 });
    await c.fit(x12, x12, { epochs: 1, batchSize: 6 });
    c.getWeights().forEach((w, i) => expect(bits(b.getWeights()[i].data)).toEqual(bits(w.data)));
    expect(b.getOptimizerState()!.iterations).toBe(8);
    [b, c].forEach((m) => m.dispose());
  });
});

describe('damaged and unsupported files get errors that say what is wrong', () => {
  let good: string;
  let json: Record<string, any>;
  beforeAll(async () => {
    const m = small();
    good = join(dir, 'good');
    await m.save(good);
    m.dispose();
    json = JSON.parse(await readFile(join(good, 'model.json'), 'utf8'));
  });

  async function variant(name: string, files: { json?: unknown; jsonText?: string; weights?: Uint8Array | null }) {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'model.json'), files.jsonText ?? JSON.stringify(files.json ?? json));
    const w = files.weights === undefined ? await readFile(join(good, 'weights.bin')) : files.weights;
    if (w) await writeFile(join(d, 'weights.bin'), w);
    return d;
  }
  const edit = (f: (j: Record<string, any>) => void) => { const j = structuredClone(json); f(j); return j; };

  test('a truncated weights file', async () => {
    const w = await readFile(join(good, 'weights.bin'));
    await expect(loadModel(await variant('trunc', { weights: w.subarray(0, w.length - 10) })))
      .rejects.toThrow(/weights\.bin is truncated: it has \d+ bytes but the manifest's \d+ weights need \d+/);
  });
  test('a weights file that is too long', async () => {
    const w = await readFile(join(good, 'weights.bin'));
    await expect(loadModel(await variant('long', { weights: Buffer.concat([w, Buffer.alloc(8)]) })))
      .rejects.toThrow(/weights\.bin has \d+ bytes but the manifest's weights need \d+: the weights file does not belong/);
  });
  test('a missing weights file', async () => {
    await expect(loadModel(await variant('nobin', { weights: null }))).rejects.toThrow(/the weights file weights\.bin that model\.json lists is missing/);
  });
  test('a truncated model.json', async () => {
    const text = JSON.stringify(json);
    await expect(loadModel(await variant('badjson', { jsonText: text.slice(0, text.length / 2) }))).rejects.toThrow(/model\.json is not valid JSON/);
  });
  test('a missing directory', async () => {
    await expect(loadModel(join(dir, 'nothing-here'))).rejects.toThrow(/nothing-here: no such file or directory/);
  });
  test('a weight whose shape disagrees with its layer', async () => {
    const j = edit((k) => {
      k.modelTopology.config.layers[0].config.filters = 5;
    });
    await expect(loadModel(await variant('shape', { json: j }))).rejects.toThrow(/weight conv2d\/kernel has shape \[3,3,1,4\] in the manifest but the layer needs \[3,3,1,5\]/);
  });
  test('a layer we do not support', async () => {
    const j = edit((k) => { k.modelTopology.config.layers.splice(2, 0, { class_name: 'AlphaDropout', config: { name: 'alpha_dropout', rate: 0.5 } }); });
    await expect(loadModel(await variant('alpha_dropout', { json: j }))).rejects.toThrow(/layer 2 \(alpha_dropout\) is a "AlphaDropout", which denoise-wasm does not support \(supported: Conv2D, MaxPooling2D/);
  });
  test('an activation we do not support', async () => {
    const j = edit((k) => { k.modelTopology.config.layers[3].config.activation = 'softmax'; });
    await expect(loadModel(await variant('softmax', { json: j }))).rejects.toThrow(/layer 3 \(conv2d_1\): activation "softmax" is not supported \(supported: linear, relu, sigmoid, tanh, elu, softplus, selu\)/);
  });
  test('options we do not support', async () => {
    const j = edit((k) => { k.modelTopology.config.layers[0].config.dilation_rate = [2, 2]; });
    await expect(loadModel(await variant('dilated', { json: j }))).rejects.toThrow(/layer 0 \(conv2d\): dilation_rate \[2,2\] is not supported/);
    const k2 = edit((k) => { k.modelTopology.config.layers[2].config.interpolation = 'bilinear'; });
    await expect(loadModel(await variant('bilinear', { json: k2 }))).rejects.toThrow(/layer 2 \(up_sampling2d\): interpolation "bilinear" is not supported/);
  });
  test('an optimizer we do not support (loadable with compile: false)', async () => {
    const j = edit((k) => { k.trainingConfig.optimizer_config.class_name = 'Adamax'; delete k.userDefinedMetadata; });
    const d = await variant('adamax', { json: j });
    await expect(loadModel(d)).rejects.toThrow(/optimizer "Adamax" is not supported/);
    const m = await loadModel(d, { compile: false, threads: 1 });
    expect(m.compileConfig).toBeNull();
    m.dispose();
  });
  test('a weight the manifest lacks, or one no layer owns', async () => {
    const j = edit((k) => { k.weightsManifest[0].weights[1].name = 'conv2d/bias_extra'; });
    await expect(loadModel(await variant('names', { json: j }))).rejects.toThrow(/the weights manifest has no conv2d\/bias \(layer conv2d needs it\)/);
  });
});

describe('a failed save never replaces a good model', () => {
  test('the old model stays intact and no temporary files are left', async () => {
    const parent = join(dir, 'atomic');
    const target = join(parent, 'model');
    const m = small();
    await m.save(target);
    const before = await readFile(join(target, 'weights.bin'));
    // A write that fails half way: model.json is written, then the weights cannot be.
    const bad = { 'model.json': '{}', 'weights.bin': Symbol('not bytes') as unknown as Uint8Array };
    await expect(saveModelToDir(target, bad)).rejects.toThrow(/writing the model failed .*; the model already there is unchanged/);
    expect(await readdir(parent)).toEqual(['model']);
    expect(Buffer.compare(await readFile(join(target, 'weights.bin')), before)).toBe(0);
    const again = await loadModel(target, { threads: 1 });
    expect(bits(again.getWeights()[0].data)).toEqual(bits(m.getWeights()[0].data));
    // a successful save replaces it (and leaves nothing else behind)
    await m.fit(x12, x12, { epochs: 1, batchSize: 12 });
    await m.save(target);
    expect(await readdir(parent)).toEqual(['model']);
    expect(Buffer.compare(await readFile(join(target, 'weights.bin')), before)).not.toBe(0);
    [m, again].forEach((k) => k.dispose());
  });

  test('a directory holding other files is not replaced', async () => {
    const d = join(dir, 'user-files');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'notes.txt'), 'mine');
    const m = small();
    await expect(m.save(d)).rejects.toThrow(/the directory holds other files \(notes\.txt\)/);
    expect(await readdir(d)).toEqual(['notes.txt']);
    m.dispose();
  });
});

describe('the pretrained denoiser', () => {
  test('loads with one call, matches the shipped files and denoises held-out digits', async () => {
    const m = presets.pretrained({ threads: 1 });
    const shipped = await loadModel(new URL('../../pretrained/denoiser/', import.meta.url), { threads: 1 });
    m.getWeights().forEach((w, i) => expect(bits(shipped.getWeights()[i].data)).toEqual(bits(w.data)));
    expect(m.compileConfig?.loss).toBe('binaryCrossentropy');
    const { test: held } = await loadMnist({ seed: 0, testFraction: 0.2, testLimit: 100 });
    const noisy = addGaussianNoise(held.images, { factor: 0.4, seed: 12345 });
    const gain = psnr(await m.predict(noisy), held.images).mean - psnr(noisy, held.images).mean;
    expect(gain).toBeGreaterThan(6);
    m.dispose(); shipped.dispose();
  });
});
