/**
 * Functional model files travel both ways between denoise-wasm and TensorFlow.js 4.22 (cpu backend), as
 * the Sequential ones do in model-tfjs.test.ts: tf.loadLayersModel reads what model.save() writes
 * (class_name 'Model', inbound_nodes), and loadModel reads what TF.js's LayersModel.save writes; both
 * then predict the same. The graphs are functional-graphs.ts's U-Net-like and residual models (the
 * residual one's Subtract is a custom TF.js layer, registered there: TF.js 4.22 has none), and a model
 * with one conv layer applied twice (shared weights).
 *
 * Tolerance of "predict the same": both sides compute the same f32 model with sums in different orders,
 * so outputs agree to a few ulps: max |difference| < 1e-6 (outputs are O(1); measured values in the tests).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Sequential, LayersModel, input, layers, model, optimizers, presets, loadModel, type NamedWeight, type Tensor,
} from '../../src/index.js';
import { uNet, residual, oursModel, tfModel, tfWeightNames } from '../parity/functional-graphs.js';
import { strokeImages } from '../parity/tfjs-helpers.js';
import { tfLoad, tfSave } from './tfjs-disk.js';

const PREDICT_TOL = 1e-6;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denoise-functional-'));
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const { clean, noisy } = strokeImages(6, 77);
const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= m)) m = Math.abs(a[i] - b[i]);
  return m;
}

async function tfPredict(t: tf.LayersModel, x: Tensor): Promise<Float32Array> {
  const xt = tf.tensor(x.data, x.shape);
  const yt = t.predict(xt) as tf.Tensor;
  const out = Float32Array.from(yt.dataSync());
  tf.dispose([xt, yt]);
  return out;
}

const byName = (ws: NamedWeight[]) => new Map(ws.map((w) => [w.name, bits(w.data)]));
const modelJson = async (path: string) => JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));

describe.each([
  ['U-Net-like', uNet, 'binaryCrossentropy'],
  ['residual', residual, 'meanSquaredError'],
] as const)('%s model files', (what, recipe, loss) => {
  test('TF.js loads what we save: the same graph, weights (bits) and outputs', async () => {
    const m = oursModel(recipe, { seed: 8, threads: 1 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss });
    await m.fit(noisy, clean, { epochs: 1, batchSize: 3 });   // trained weights and an optimizer state in the file
    const path = join(dir, `ours-${what}`);
    await m.save(path);
    const topology = (await modelJson(path)).modelTopology;
    expect(topology.class_name).toBe('Model');
    expect(topology.config.input_layers).toEqual([[recipe === uNet ? 'img' : 'noisy', 0, 0]]);

    const t = await tfLoad(dir, `ours-${what}`);
    expect(t.layers.map((l) => l.name).sort()).toEqual([m.inputName, ...m.nodes.map((n) => n.layer)].sort());
    const theirs = new Map(t.trainableWeights.map((w) => [w.originalName, bits(w.read().dataSync())]));
    expect(theirs).toEqual(byName(m.getWeights()));
    expect(t.optimizer.getClassName()).toBe('Adam');
    const d = maxAbsDiff(await tfPredict(t, noisy), (await m.predict(noisy)).data);
    console.log(`${what}: TF.js loading our file vs ours, max |output difference| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(PREDICT_TOL);
    t.dispose();
    m.dispose();
  });

  test("we load what TF.js's tf.model(...).save() writes: the same graph, weights (bits) and outputs", async () => {
    const t = tfModel(recipe);   // TF.js's own initial weights
    t.compile({ optimizer: 'adam', loss });   // (untrained: its optimizer state is 'iter' alone)
    const path = await tfSave(t, dir, `tf-${what}`);
    const json = await modelJson(path);
    expect(json.modelTopology.class_name).toBe('Model');

    const m = await loadModel(path, { threads: 1 });
    expect(m).toBeInstanceOf(LayersModel);
    expect(m).not.toBeInstanceOf(Sequential);
    expect(m.nodes.map((n) => n.layer).sort()).toEqual(t.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name).sort());
    expect(m.compileConfig).toEqual({ optimizer: expect.objectContaining({ type: 'adam' }), loss });
    const names = tfWeightNames(t);
    expect(byName(m.getWeights())).toEqual(new Map(t.trainableWeights.map((w, k) => [names[k], bits(w.read().dataSync())])));
    const d = maxAbsDiff((await m.predict(noisy)).data, await tfPredict(t, noisy));
    console.log(`${what}: ours loading TF.js's file vs TF.js, max |output difference| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(PREDICT_TOL);
    // and it saves again as it loaded: same topology class, same outputs after a reload
    await m.save(join(dir, `tf-${what}-again`));
    const again = await loadModel(join(dir, `tf-${what}-again`), { threads: 1 });
    expect(bits((await again.predict(noisy)).data)).toEqual(bits((await m.predict(noisy)).data));
    again.dispose();
    m.dispose();
    t.dispose();
  });
});

test("a saved Sequential model still says class_name 'Sequential' and loads as one", async () => {
  const m = presets.kerasTutorial({ seed: 1, threads: 1 });
  const path = join(dir, 'sequential');
  await m.save(path);
  const json = await modelJson(path);
  expect(json.modelTopology.class_name).toBe('Sequential');
  expect(json.modelTopology.config.layers[0].inbound_nodes).toBeUndefined();
  const back = await loadModel(path, { threads: 1 });
  expect(back).toBeInstanceOf(Sequential);
  expect(byName(back.getWeights())).toEqual(byName(m.getWeights()));
  back.dispose();
  m.dispose();
});

describe('a shared layer (one conv layer object applied twice)', () => {
  // x -> head (conv 2) -> shared (conv 2, relu) -> shared again -> out (conv 1, sigmoid); shared's weights once.
  const build = () => {
    const x = input({ shape: [12, 12, 1], name: 'x' });
    const shared = layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'shared' });
    const h = layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'head' }).apply(x);
    const out = layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: 'out' }).apply(shared.apply(shared.apply(h)));
    return model({ inputs: x, outputs: out, seed: 9, threads: 1 });
  };
  const x12 = strokeImages(3, 78, 12).noisy;

  test('round-trips through our files: two nodes of one layer, one set of weights, the same outputs bit for bit', async () => {
    const m = build();
    expect(m.nodes.filter((n) => n.layer === 'shared').map((n) => n.nodeIndex)).toEqual([0, 1]);
    expect(m.getWeights().map((w) => w.name)).toEqual(['head/kernel', 'head/bias', 'shared/kernel', 'shared/bias', 'out/kernel', 'out/bias']);
    await m.save(join(dir, 'shared'));
    const layer = (await modelJson(join(dir, 'shared'))).modelTopology.config.layers.find((l: { name: string }) => l.name === 'shared');
    expect(layer.inbound_nodes).toEqual([[['head', 0, 0, {}]], [['shared', 0, 0, {}]]]);
    const back = await loadModel(join(dir, 'shared'), { threads: 1 });
    expect(back.nodes).toEqual(m.nodes);
    expect(byName(back.getWeights())).toEqual(byName(m.getWeights()));
    expect(bits((await back.predict(x12)).data)).toEqual(bits((await m.predict(x12)).data));
    back.dispose();
    m.dispose();
  });

  test('TF.js loads it too (a layer with two inbound nodes) and predicts the same; and we load its save of it', async () => {
    const m = build();
    await m.save(join(dir, 'shared-for-tf'));
    const t = await tfLoad(dir, 'shared-for-tf');
    expect(t.getLayer('shared').inboundNodes).toHaveLength(2);
    expect(t.countParams()).toBe(m.countParams());
    const d = maxAbsDiff(await tfPredict(t, x12), (await m.predict(x12)).data);
    console.log(`shared layer: TF.js loading our file vs ours, max |output difference| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(PREDICT_TOL);
    const back = await loadModel(await tfSave(t, dir, 'shared-from-tf', false), { threads: 1 });
    expect(bits((await back.predict(x12)).data)).toEqual(bits((await m.predict(x12)).data));
    back.dispose();
    t.dispose();
    m.dispose();
  });
});

// add([d1(x), c2(c1(x))]): TF.js orders layers by depth from the output (c1, d1, c2), we by first use
// (d1, c1, c2). TF.js's optimizers match their state to weights by position in its order, so the
// optimizer state in a file must follow the order of the manifest's model weights.
describe("optimizer state of a graph whose order of first use is not Keras's weight order", () => {
  const conv = (name: string, kernelSize: number) => ({ filters: 2, kernelSize, padding: 'same' as const, name });
  const oursBranchy = () => {
    const x = input({ shape: [6, 6, 1], name: 'x' });
    const d1 = layers.conv2d(conv('d1', 1)).apply(x);
    const c2 = layers.conv2d(conv('c2', 3)).apply(layers.conv2d(conv('c1', 3)).apply(x));
    return model({ inputs: x, outputs: layers.add({ name: 'sum' }).apply([d1, c2]), seed: 4, threads: 1 });
  };
  const tfBranchy = () => {
    const x = tf.input({ shape: [6, 6, 1], name: 'x' });
    const d1 = tf.layers.conv2d(conv('d1', 1)).apply(x) as tf.SymbolicTensor;
    const c2 = tf.layers.conv2d(conv('c2', 3)).apply(tf.layers.conv2d(conv('c1', 3)).apply(x)) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.add({ name: 'sum' }).apply([d1, c2]) as tf.SymbolicTensor });
  };
  const x6 = strokeImages(2, 79, 6).noisy;
  const y6: Tensor = { data: Float32Array.from({ length: 2 * 36 * 2 }, (_, i) => (i % 2 ? -1 : 1) * (2 * x6.data[i >> 1] - 0.5)), shape: [2, 6, 6, 2] };

  test("our weight order is Keras's and TF.js's (by depth from the output), not the order of first use", () => {
    const t = tfBranchy();
    expect(tfWeightNames(t).map((n) => n.split('/')[0])).toEqual(['c1', 'c1', 'd1', 'd1', 'c2', 'c2']);
    expect(oursBranchy().getWeights().map((w) => w.name.split('/')[0])).toEqual(['c1', 'c1', 'd1', 'd1', 'c2', 'c2']);
    t.dispose();
  });

  test("we load TF.js's adam state into the right weights", async () => {
    const t = tfBranchy();
    t.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const [xt, yt] = [tf.tensor(x6.data, x6.shape), tf.tensor(y6.data, y6.shape)];
    await t.trainOnBatch(xt, yt);
    const m = await loadModel(await tfSave(t, dir, 'tf-branchy'), { threads: 1 });
    // TF.js's m and v, one per weight in its order (named after its variables, which get suffixes such as
    // c1/kernel_1 when a TF.js session has built layers of that name before, as here)
    const tfSlots = (await t.optimizer.getWeights()).slice(1);
    const n = t.trainableWeights.length;
    const tfState = new Map(tfWeightNames(t).flatMap((name, i) => [
      [`${name}/m`, bits(tfSlots[i].tensor.dataSync())], [`${name}/v`, bits(tfSlots[n + i].tensor.dataSync())]]));
    const state = m.getOptimizerState()!;
    let at = 0;
    for (const w of m.getWeights()) {
      expect(bits(state.slots[0].slice(at, at + w.data.length))).toEqual(tfState.get(`${w.name}/m`));
      expect(bits(state.slots[1].slice(at, at + w.data.length))).toEqual(tfState.get(`${w.name}/v`));
      at += w.data.length;
    }
    tf.dispose([xt, yt]);
    t.dispose();
    m.dispose();
  });

  test('TF.js loads our adam state into the right weights: one more step agrees', async () => {
    const m = oursBranchy();
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    await m.fit(x6, y6, { epochs: 1, batchSize: 2 });
    await m.save(join(dir, 'ours-branchy'));
    const back = await loadModel(join(dir, 'ours-branchy'), { threads: 1 });   // and ours reads it back as it was
    back.getOptimizerState()!.slots.forEach((s, k) => expect(bits(s)).toEqual(bits(m.getOptimizerState()!.slots[k])));
    back.dispose();
    const t = await tfLoad(dir, 'ours-branchy');
    const [xt, yt] = [tf.tensor(x6.data, x6.shape), tf.tensor(y6.data, y6.shape)];
    await t.trainOnBatch(xt, yt);
    await m.fit(x6, y6, { epochs: 1, batchSize: 2 });
    const theirs = new Map(t.trainableWeights.map((w) => [w.originalName, w.read().dataSync()]));
    let worst = 0;
    for (const w of m.getWeights()) worst = Math.max(worst, maxAbsDiff(w.data, theirs.get(w.name)!));
    console.log(`branchy: weights after a second adam step, TF.js (our state) vs ours, max |difference| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
    tf.dispose([xt, yt]);
    t.dispose();
    m.dispose();
  });
});
