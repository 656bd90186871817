// Issue 17: inside the network. A model over an existing model's layers (TF.js's
// tf.model({ inputs: m.input, outputs: m.getLayer(name).output })) shares its weights, never a copy; its
// predict() gives that layer's activations, bit for bit the slice of the full forward pass that
// model.activations() returns; and the errors of asking for what a model does not have.
import { input, layers, model, presets, Random, Sequential, tensor, type LayersModel, type Tensor } from '../src/index.js';

function images(n: number, seed: number): Tensor {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: n * 784 }, () => r.uniform()), [n, 28, 28, 1]);
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && bits(a).equals(bits(b));

/** A sub-model of m for each layer application: its name and the model computing its output. */
const subModels = (m: LayersModel) => m.nodes.map((n) => ({ name: n.layer, sub: model({ inputs: m.input, outputs: m.getLayer(n.layer).output }) }));

describe.each([[1, 'simd'], [2, 'simd-threads']] as const)('on %i thread(s)', (threads, variant) => {
  test('each layer\'s sub-model predicts the slice of activations(), bit for bit; the last is predict()', async () => {
    const m = presets.kerasTutorial({ threads, seed: 2 });
    expect((await m.engineInfo()).variant).toBe(variant);
    const x = images(10, 1);
    await m.fit(x, x, { epochs: 1, batchSize: 5 });   // weights away from their start
    const acts = await m.activations(x, { batchSize: 4 });
    expect(acts.map((a) => a.layer)).toEqual(['input_1', ...m.nodes.map((n) => n.layer)]);
    expect(acts.map((a) => a.className)).toEqual(['InputLayer', ...m.nodes.map((n) => n.className)]);
    expect(acts.map((a) => a.shape)).toEqual([[10, 28, 28, 1], ...m.nodes.map((n) => [10, ...n.outputShape])]);
    expect(sameBits(acts[0].data, x.data)).toBe(true);
    expect(sameBits(acts[acts.length - 1].data, (await m.predict(x)).data)).toBe(true);
    for (const [k, { name, sub }] of subModels(m).entries()) {
      const p = await sub.predict(x, { batchSize: 3 });
      expect([name, p.shape]).toEqual([name, acts[k + 1].shape]);
      expect([name, sameBits(p.data, acts[k + 1].data)]).toEqual([name, true]);
      sub.dispose();
    }
    m.dispose();
  });
});

test('a sub-model shares the weights: it sees the parent train on, and what it sets the parent sees', async () => {
  const m = presets.kerasTutorial({ threads: 1, seed: 4 });
  // Built before the parent ever ran: no engine, no weights made yet.
  const encoder = model({ inputs: m.input, outputs: m.getLayer('max_pooling2d_2').output });
  expect(encoder.layers.map((l) => l.name)).toEqual(m.layers.slice(0, 6).map((l) => l.name));
  expect(encoder.getWeights().map((w) => w.name)).toEqual(m.getWeights().slice(0, 6).map((w) => w.name));
  encoder.getWeights().forEach((w, i) => expect(sameBits(w.data, m.getWeights()[i].data)).toBe(true));
  const x = images(6, 2);
  const before = (await encoder.predict(x)).data;
  await m.fit(x, x, { epochs: 2, batchSize: 3 });
  const after = (await encoder.predict(x)).data;
  expect(sameBits(after, before)).toBe(false);
  const acts = await m.activations(x);
  expect(sameBits(after, acts.find((a) => a.layer === 'max_pooling2d_2')!.data)).toBe(true);
  // The other way: the sub-model's setWeights (and fit) change the parent.
  const saved = encoder.getWeights();
  const zeros = saved.map((w) => new Float32Array(w.data.length));
  encoder.setWeights(zeros);
  expect(m.getWeights().slice(0, 6).every((w) => w.data.every((v) => v === 0))).toBe(true);
  const decoded = await m.predict(x);
  const decoder = m.getWeights().slice(6);
  expect(sameBits(decoded.data.subarray(0, 784), decoded.data.subarray(784, 1568))).toBe(true);   // a zero code whatever the digit
  const trained = m.getWeights();
  encoder.setWeights(saved);
  encoder.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  await encoder.fit(x, { data: new Float32Array(6 * 128).fill(0.5), shape: [6, 4, 4, 8] }, { epochs: 1, batchSize: 3 });
  expect(sameBits(m.getWeights()[4].data, saved[4].data)).toBe(false);          // conv2d_2/kernel trained through the encoder
  encoder.getWeights().forEach((w, i) => expect(sameBits(w.data, m.getWeights()[i].data)).toBe(true));
  expect(sameBits(trained[6].data, decoder[0].data)).toBe(true);
  m.getWeights().slice(6).forEach((w, i) => expect(sameBits(w.data, decoder[i].data)).toBe(true));   // the decoder untouched
  encoder.dispose();
  m.dispose();
});

test('layer names: a sub-model keeps the parent\'s; a new layer beside them gets a free name', () => {
  const m = new Sequential({ inputShape: [8, 8, 1] }, [
    layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }), layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }),
  ]);
  expect(m.layers.map((l) => l.name)).toEqual(['conv2d', 'conv2d_1']);
  expect(m.getLayer('conv2d_1').name).toBe('conv2d_1');
  const sub = model({ inputs: m.input, outputs: m.getLayer(1).output });
  expect(sub.layers.map((l) => l.name)).toEqual(['conv2d', 'conv2d_1']);
  const head = layers.conv2d({ filters: 1, kernelSize: 1 }).apply(m.getLayer(0).output);
  const branch = model({ inputs: m.input, outputs: head });
  expect(branch.layers.map((l) => l.name)).toEqual(['conv2d', 'conv2d_1']);   // conv2d_1 is free in this model
  // Both layers now carry the name conv2d_1 from their first models: one model over both renames the later one.
  const both = model({ inputs: m.input, outputs: layers.concatenate().apply([m.getLayer(1).output, head]) });
  expect(both.layers.map((l) => l.name).sort()).toEqual(['concatenate', 'conv2d', 'conv2d_1', 'conv2d_2']);
  expect(() => model({ inputs: m.input, outputs: layers.conv2d({ filters: 1, kernelSize: 1, name: 'conv2d' }).apply(m.getLayer(1).output) }))
    .toThrow('model: two layers are named "conv2d"');
});

test('clear errors: an unknown layer, a layer never applied or applied twice, an output from another model', async () => {
  const m = presets.kerasTutorial({ threads: 1 });
  expect(() => m.getLayer('conv2d_9')).toThrow(/getLayer: the model "sequential" has no layer named "conv2d_9"; its layers are conv2d, max_pooling2d, .*conv2d_6/);
  expect(() => m.getLayer(13)).toThrow('getLayer: index 13 is not one of the model\'s 13 layers (0 to 12)');
  expect(() => layers.dense({ units: 3 }).output).toThrow(/dense: output: the layer has not been applied to anything yet/);
  const shared = layers.dense({ units: 3, name: 'twice' });
  const a = input({ shape: [3] });
  shared.apply(shared.apply(a));
  expect(() => shared.output).toThrow(/twice: output: the layer was applied 2 times/);
  const other = presets.kerasTutorial({ threads: 1 });
  expect(() => model({ inputs: m.input, outputs: other.getLayer('conv2d_2').output })).toThrow(/is not the model's input/);
  await expect(m.activations(tensor(new Float32Array(10), [10]))).rejects.toThrow(/activations: x/);
});
