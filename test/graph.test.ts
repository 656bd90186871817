// Graph models (the functional API): merge layers, the Activation layer and tensors read by several ops
// against the f64 reference; finite differences through fan-out and a shared layer; bit-identical
// results for any thread count and for the SIMD and scalar builds; how graphs are lowered into plan
// records; and the errors of the functional API.
import { input, layers, model, Sequential, tensor, Random, type LayersModel, type SymbolicTensor } from '../src/index.js';
import { fusedPools, fusedUpsamplings, lowerGraph, planGradientBuffers, type Graph } from '../src/engine/graph.js';
import * as L from '../src/engine/plan-layout.js';
import { activationForward, activationBackward, type ActivationName } from './reference/activations.js';
import { mergeForward, mergeBackward, concatenateForward, concatenateBackward, type MergeMode } from './reference/merge.js';
import { assertClose } from './reference/gradcheck.js';

const SHAPE = [3, 5, 4];
const N = 3;
const SIZE = SHAPE.reduce((a, b) => a * b);

function data(seed: number, n: number, lo = -2, hi = 2): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.uniform());
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
const perSample = (a: Float64Array, size: number) => Array.from({ length: a.length / size }, (_, n) => a.subarray(n * size, (n + 1) * size));
const joinSamples = (parts: Float64Array[]) => { const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };

interface MergeCase {
  name: string;
  acts: ActivationName[];
  /** Which branch each merge operand is (a branch may be read twice). */
  operands: number[];
  mode: MergeMode | 'concatenate';
}

const CASES: MergeCase[] = [
  ...(['add', 'subtract', 'multiply', 'average', 'maximum'] as const).map((mode) => ({ name: `${mode} of two`, acts: ['tanh', 'sigmoid'] as ActivationName[], operands: [0, 1], mode })),
  ...(['add', 'multiply', 'average', 'maximum'] as const).map((mode) => ({ name: `${mode} of three`, acts: ['tanh', 'sigmoid', 'relu'] as ActivationName[], operands: [0, 1, 2], mode })),
  // relu(0) = linear(0) ties with derivatives 0 and 1: only the first operand may get the gradient.
  { name: 'maximum with ties between operands (they go to the first)', acts: ['relu', 'linear'], operands: [0, 1], mode: 'maximum' },
  { name: 'maximum of one tensor twice', acts: ['tanh'], operands: [0, 0], mode: 'maximum' },
  { name: 'multiply of one tensor twice', acts: ['sigmoid'], operands: [0, 0], mode: 'multiply' },
  { name: 'concatenate of three', acts: ['tanh', 'sigmoid', 'relu'], operands: [0, 1, 2], mode: 'concatenate' },
];

/** x -> branches act_k(x) (x is read by every branch) -> merge of the operands -> output; MSE. */
function mergeModel(c: MergeCase, variant: 'simd' | 'scalar'): LayersModel {
  const x = input({ shape: SHAPE });
  const branches = c.acts.map((a) => layers.activation({ activation: a }).apply(x));
  const ops = c.operands.map((k) => branches[k]);
  const merged = c.mode === 'concatenate' ? layers.concatenate().apply(ops) : layers[c.mode]().apply(ops);
  const m = model({ inputs: x, outputs: merged, variant, threads: 1 });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

/** The same model in f64: output, and dL/dx for MSE against t. */
function mergeReference(c: MergeCase, x: Float64Array, t: Float64Array) {
  const outs: Float64Array[] = [];
  const dxs: Float64Array[] = [];
  const count = t.length;
  const yAll: Float64Array[] = [];
  for (const xs of perSample(x, SIZE)) {
    const branches = c.acts.map((a) => activationForward(a, xs));
    const operands = c.operands.map((k) => branches[k]);
    const channels = operands.map(() => SHAPE[2]);
    yAll.push(c.mode === 'concatenate' ? concatenateForward(operands, channels) : mergeForward(c.mode, operands));
  }
  const y = joinSamples(yAll);
  const dy = y.map((v, i) => (2 * (v - t[i])) / count);
  const outSize = y.length / N;
  perSample(x, SIZE).forEach((xs, n) => {
    const branches = c.acts.map((a) => activationForward(a, xs));
    const operands = c.operands.map((k) => branches[k]);
    const dyn = dy.subarray(n * outSize, (n + 1) * outSize);
    const dOps = c.mode === 'concatenate' ? concatenateBackward(dyn, operands.map(() => SHAPE[2])) : mergeBackward(c.mode, operands, dyn);
    const dx = new Float64Array(SIZE);
    dOps.forEach((d, k) => {
      const b = c.operands[k];
      const g = activationBackward(c.acts[b], d, branches[b]);
      for (let i = 0; i < SIZE; i++) dx[i] += g[i];
    });
    outs.push(yAll[n]);
    dxs.push(dx);
  });
  return { y, dx: joinSamples(dxs), outSize };
}

describe('merge layers, the Activation layer and fan-out, against the f64 reference', () => {
  test.each(CASES)('$name', async (c) => {
    const xf = data(1, N * SIZE);
    // Quantised inputs for maximum: equal values across samples exercise the comparisons' ties too.
    if (c.mode === 'maximum') for (let i = 0; i < xf.length; i++) xf[i] = Math.round(xf[i] * 4) / 4;
    if (c.acts.join() === 'relu,linear') expect(xf.filter((v) => v === 0).length).toBeGreaterThan(3);
    const t = data(2, N * (c.mode === 'concatenate' ? SIZE * c.operands.length : SIZE), 0, 1);
    const ref = mergeReference(c, f64(xf), f64(t));
    const results: Array<{ y: Float32Array; dx: Float32Array }> = [];
    for (const variant of ['simd', 'scalar'] as const) {
      const m = mergeModel(c, variant);
      const X = tensor(xf, [N, ...SHAPE]);
      const y = (await m.predict(X)).data;
      const { inputGradient } = await m.computeGradients(X, tensor(t, [N, ...m.outputShape]), { input: true });
      m.dispose();
      assertClose(y, ref.y, { rtol: 1e-6, atol: 1e-6 }, `${variant} output`);
      assertClose(inputGradient!.data, ref.dx, { rtol: 1e-5, atol: 1e-7 }, `${variant} dL/dx`);
      results.push({ y, dx: inputGradient!.data });
    }
    expect(results[1].y).toEqual(results[0].y);     // scalar and SIMD builds: the same bits
    expect(results[1].dx).toEqual(results[0].dx);
  });

  test('a sigmoid Activation layer as output, fused with binary cross-entropy, reading one tensor twice', async () => {
    const x = input({ shape: SHAPE });
    const m = model({ inputs: x, outputs: layers.activation({ activation: 'sigmoid' }).apply(layers.add().apply([x, x])), threads: 1 });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const xf = data(3, N * SIZE), t = data(4, N * SIZE, 0, 1);
    const { inputGradient } = await m.computeGradients(tensor(xf, [N, ...SHAPE]), tensor(t, [N, ...SHAPE]), { input: true });
    // p = sigmoid(2x); dL/dz = (p - t) / count; dz/dx = 2
    const expected = f64(xf).map((v, i) => (2 * (1 / (1 + Math.exp(-2 * v)) - t[i])) / xf.length);
    assertClose(inputGradient!.data, expected, { rtol: 1e-5, atol: 1e-8 }, 'dL/dx');
    m.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------

/** conv -> h read by two convs (fan-out) -> add -> a shared conv applied twice -> concatenate -> conv (sigmoid). */
function fanOutSharedModel(options: { threads?: number; variant?: 'simd' | 'scalar' | 'simd-threads'; seed?: number } = {}): LayersModel {
  const conv = (filters: number, activation: 'tanh' | 'sigmoid' = 'tanh', name?: string) => layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, name });
  const x = input({ shape: [8, 8, 1] });
  const h = conv(4, 'tanh', 'stem').apply(x);
  const a = conv(4, 'tanh', 'left').apply(h);
  const b = conv(4, 'tanh', 'right').apply(h);
  const s = layers.add({ name: 'join' }).apply([a, b]);
  const shared = conv(4, 'tanh', 'shared');
  const u = shared.apply(s);
  const v = shared.apply(u);
  const out = conv(1, 'sigmoid', 'out').apply(layers.concatenate({ name: 'skip' }).apply([u, v, h]));
  const m = model({ inputs: x, outputs: out, seed: options.seed ?? 7, threads: options.threads ?? 1, variant: options.variant });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

test('finite differences through fan-out, a merge, a concatenation and a layer applied twice (every weight and the input)', async () => {
  const m = fanOutSharedModel();
  expect(m.getWeights().map((w) => w.name)).toEqual([
    'stem/kernel', 'stem/bias', 'left/kernel', 'left/bias', 'right/kernel', 'right/bias', 'shared/kernel', 'shared/bias', 'out/kernel', 'out/bias',
  ]);
  const r = new Random(11);
  const x = Float32Array.from({ length: 2 * 64 }, () => r.uniform());
  const y = Float32Array.from({ length: 2 * 64 }, () => r.uniform());
  const X = tensor(x, [2, 8, 8, 1]), Y = tensor(y, [2, 8, 8, 1]);
  const { gradients, inputGradient } = await m.computeGradients(X, Y, { input: true });
  const eps = 1e-3;
  // The loss is a mean of f32 terms (~1e-9 rounding), so the quotient's noise is ~1e-6; only gradients
  // well above it are compared, so that a wrong sign or a missing path cannot pass.
  let compared = 0;
  const compare = (numeric: number, analytic: number, what: string) => {
    if (Math.abs(analytic) < 2e-4) return;
    compared++;
    if (Math.abs(numeric - analytic) > 1e-6 + 5e-3 * Math.abs(analytic)) throw new Error(`${what}: numeric ${numeric} vs analytic ${analytic}`);
  };
  const weights = m.getWeights();
  for (let t = 0; t < weights.length; t++) {
    const order = Array.from(weights[t].data.keys()).sort((i, j) => Math.abs(gradients[t].data[j]) - Math.abs(gradients[t].data[i]));
    for (const i of order.slice(0, 3)) {   // the largest gradients of each tensor
      const orig = weights[t].data[i];
      weights[t].data[i] = orig + eps; m.setWeights(weights); const up = await m.evaluate(X, Y);
      weights[t].data[i] = orig - eps; m.setWeights(weights); const down = await m.evaluate(X, Y);
      weights[t].data[i] = orig; m.setWeights(weights);
      compare((up - down) / (2 * eps), gradients[t].data[i], `${weights[t].name}[${i}]`);
    }
  }
  const order = Array.from(x.keys()).sort((i, j) => Math.abs(inputGradient!.data[j]) - Math.abs(inputGradient!.data[i]));
  for (const i of order.slice(0, 6)) {
    const orig = x[i];
    x[i] = orig + eps; const up = await m.evaluate(X, Y);
    x[i] = orig - eps; const down = await m.evaluate(X, Y);
    x[i] = orig;
    compare((up - down) / (2 * eps), inputGradient!.data[i], `x[${i}]`);
  }
  expect(compared).toBeGreaterThanOrEqual(30);
  m.dispose();
});

test('weight gradients are the same with and without the input gradient when the input has several readers (residual U-Net)', async () => {
  // The input is read by the first conv and by the final subtract, and two skips by a pool and a concat:
  // extra gradient buffers before and after the input's. Training never asks for the input gradient; the
  // extras were once numbered differently then, and one skip's gradient overwrote another's.
  const { presets } = await import('../src/index.js');
  const m = presets.unet({ depth: 2, filters: 4, inputShape: [8, 8, 1], residual: true, seed: 3, threads: 1 });
  const r = new Random(12);
  const X = tensor(Float32Array.from({ length: 2 * 64 }, () => r.uniform()), [2, 8, 8, 1]);
  const Y = tensor(Float32Array.from({ length: 2 * 64 }, () => r.uniform()), [2, 8, 8, 1]);
  const off = await m.computeGradients(X, Y);
  const on = await m.computeGradients(X, Y, { input: true });
  expect(off.gradients.map((g) => Array.from(g.data))).toEqual(on.gradients.map((g) => Array.from(g.data)));
  // And both are the loss's gradient: finite differences on the first conv's largest kernel gradients
  // (a small step: ReLU kinks bend the loss within 1e-3; the wrong gradients were off by half).
  const weights = m.getWeights();
  const k = weights.findIndex((w) => w.name.endsWith('kernel'));
  const order = Array.from(weights[k].data.keys()).sort((i, j) => Math.abs(off.gradients[k].data[j]) - Math.abs(off.gradients[k].data[i]));
  for (const i of order.slice(0, 4)) {
    const orig = weights[k].data[i], eps = 1e-4;
    weights[k].data[i] = orig + eps; m.setWeights(weights); const up = await m.evaluate(X, Y);
    weights[k].data[i] = orig - eps; m.setWeights(weights); const down = await m.evaluate(X, Y);
    weights[k].data[i] = orig; m.setWeights(weights);
    const analytic = off.gradients[k].data[i];
    expect(Math.abs((up - down) / (2 * eps) - analytic)).toBeLessThan(1e-5 + 2e-2 * Math.abs(analytic));
  }
  m.dispose();
});

test('a graph trains to the same bits on 1, 2 and 3 threads and in the scalar and SIMD builds', async () => {
  const r = new Random(5);
  const x = tensor(Float32Array.from({ length: 7 * 64 }, () => r.uniform()), [7, 8, 8, 1]);
  const y = tensor(Float32Array.from({ length: 7 * 64 }, () => r.uniform()), [7, 8, 8, 1]);
  const run = async (options: Parameters<typeof fanOutSharedModel>[0]) => {
    const m = fanOutSharedModel(options);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 7 });
    const w = m.getWeights().map((t) => Array.from(t.data));
    m.dispose();
    return { loss: h.history.loss, w };
  };
  const one = await run({ variant: 'simd', threads: 1 });
  for (const threads of [1, 2, 3]) expect(await run({ variant: 'simd-threads', threads })).toEqual(one);
  expect(await run({ variant: 'scalar', threads: 1 })).toEqual(one);
  expect(one.loss[2]).toBeLessThan(one.loss[0]);
});

test('lowering: a buffer read by several ops gets extra gradient buffers summed right after its producer', () => {
  // op 0: conv x(0) -> 1; op 1: act 1 -> 2; op 2: act 1 -> 3; op 3: add(2, 3, 1) -> 4 (buffer 1 has three readers)
  const op = (code: number, inputs: number[], output: number) => ({ code, activation: 'linear' as const, H: 1, W: 1, C: 1, OH: 1, OW: 1, OC: 1, KH: 1, KW: 1, SH: 1, SW: 1, padTop: 0, padLeft: 0, inputs, output,
    kernelOffset: code === L.OP_CONV2D ? 0 : -1, biasOffset: -1 });
  const graph: Graph = {
    ops: [op(L.OP_CONV2D, [0], 1), op(L.OP_ACTIVATION, [1], 2), op(L.OP_ACTIVATION, [1], 3), op(L.OP_ADD, [2, 3, 1], 4)],
    buffers: [4, 4, 4, 4, 4], output: 4, numParams: 1, numTrainable: 1, inputSize: 4, outputSize: 4,
  };
  const plan = lowerGraph(graph, false);
  expect(plan.records.map((r) => (r.sum ? `sum(${r.sum.buffer}: ${r.sum.extras})` : `op${graph.ops.indexOf(r.op!)}`))).toEqual(['op0', 'sum(1: 0,1)', 'op1', 'op2', 'op3']);
  expect(plan.records[2].dx).toEqual([{ main: 1 }]);          // the first reader writes the buffer's own gradient
  expect(plan.records[3].dx).toEqual([{ extra: 0 }]);
  expect(plan.records[4].dx).toEqual([{ main: 2 }, { main: 3 }, { extra: 1 }]);
  expect(plan.records[0].dx).toEqual([null]);                  // no input gradient wanted
  expect(plan.outputRecord).toBe(4);
  expect(plan.tableEntries).toBe(2 + 3);
  // With the input gradient and the input read twice, buffer 0 gets a sum before every op.
  const twice: Graph = { ...graph, ops: [op(L.OP_ADD, [0, 0], 1), ...graph.ops.slice(1)] };
  expect(lowerGraph(twice, true).records[0].sum).toEqual({ buffer: 0, extras: [0] });
  // The extras keep their numbers without the input gradient (one layout serves both lowerings).
  expect(lowerGraph(twice, false).extras).toEqual(lowerGraph(twice, true).extras);
  // Parameter-free ops between the input and the first op with parameters (a GaussianNoise layer, then a
  // conv): their outputs' gradients are not wanted either, unless the input's is.
  const noiseFirst: Graph = { ...graph, ops: [op(L.OP_GAUSSIAN_NOISE, [0], 5), op(L.OP_ACTIVATION, [5], 6), op(L.OP_CONV2D, [6], 1), ...graph.ops.slice(1)],
    buffers: [4, 4, 4, 4, 4, 4, 4] };
  const lowered = lowerGraph(noiseFirst, false);
  expect(lowered.records.slice(0, 3).map((r) => r.dx)).toEqual([[null], [null], [null]]);
  expect(lowered.records[4].dx).toEqual([{ main: 1 }]);        // after the conv, as before
  expect(lowerGraph(noiseFirst, true).records.slice(0, 3).map((r) => r.dx)).toEqual([[{ main: 0 }], [{ main: 5 }], [{ main: 6 }]]);
});

test('gradient buffers: one dead before another of the same size is born shares its place; live ones never do', () => {
  const op = (inputs: number[], output: number) => ({ code: L.OP_ACTIVATION, activation: 'linear' as const, H: 1, W: 1, C: 1, OH: 1, OW: 1, OC: 1, KH: 1, KW: 1, SH: 1, SW: 1, padTop: 0, padLeft: 0, inputs, output, kernelOffset: -1, biasOffset: -1 });
  // A chain 0 -> 1 -> 2 -> 3 -> 4 of sizes 4, 8, 4, 8, 4 floats per sample. Backward: dy4 (the loss's)
  // is read by op 3, which writes dy3, read by op 2, which writes dy2, ... dy1 is dead once op 1 ran
  // and dy3 born at op 2... : dy3 and dy1 share (size 8), dy4 and dy2 share (size 4); dy0 (the input's,
  // read by the host) has its own place. Each place is 16 floats (64-byte alignment).
  const chain: Graph = { ops: [op([0], 1), op([1], 2), op([2], 3), op([3], 4)], buffers: [4, 8, 4, 8, 4], output: 4, numParams: 0, numTrainable: 0, inputSize: 4, outputSize: 4 };
  const p = planGradientBuffers(chain);
  expect(p.main[3]).toBe(p.main[1]);
  expect(p.main[4]).toBe(p.main[2]);
  expect(new Set([p.main[0], p.main[1], p.main[2]]).size).toBe(3);
  expect(p.total).toBe(48);
  // Fan-out: buffer 1 is read by op 1 (its own gradient), op 2 and the add (extras 0 and 1, summed
  // right after op 0). Backward runs the add (writes dy2, dy3, extra 1), op 2 (reads dy3, writes extra
  // 0), op 1 (reads dy2, writes dy1), the sum, op 0. What is alive at once never shares; dy3 is dead
  // before dy1 is born, so they do.
  const fan: Graph = { ops: [op([0], 1), op([1], 2), op([1], 3), { ...op([2, 3, 1], 4), code: L.OP_ADD }], buffers: [4, 4, 4, 4, 4], output: 4, numParams: 0, numTrainable: 0, inputSize: 4, outputSize: 4 };
  const f = planGradientBuffers(fan);
  const distinct = (...o: number[]) => expect(new Set(o).size).toBe(o.length);
  distinct(f.main[4], f.main[2], f.main[3], f.extras[1]);   // the add's backward
  distinct(f.main[3], f.extras[0], f.main[2], f.extras[1]);   // op 2's
  distinct(f.main[2], f.main[1], f.extras[0], f.extras[1]);   // op 1's
  expect(f.main[1]).toBe(f.main[3]);
});

describe('the functional API', () => {
  test('Sequential is the same graph as its functional twin: same names, weights and predictions', async () => {
    const seq = new Sequential({ inputShape: [6, 6, 1], seed: 3, threads: 1 }, [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d(),
      layers.upSampling2d(), layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    ]);
    const x = input({ shape: [6, 6, 1] });
    let t: SymbolicTensor = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    t = layers.upSampling2d().apply(layers.maxPooling2d().apply(t));
    const fn = model({ inputs: x, outputs: layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(t), seed: 3, threads: 1 });
    expect(fn.getWeights()).toEqual(seq.getWeights());
    const X = tensor(data(9, 2 * 36, 0, 1), [2, 6, 6, 1]);
    expect((await fn.predict(X)).data).toEqual((await seq.predict(X)).data);
    seq.dispose(); fn.dispose();
  });

  test("summary prints Keras's functional table with the InputLayer and what each layer is connected to", () => {
    const m = fanOutSharedModel();
    const text = m.summary(null);
    expect(text).toContain('Connected to');
    expect(text).toMatch(/input_1 \(InputLayer\)\s+\[\(None, 8, 8, 1\)\]\s+0\s+\[\]/);
    expect(text).toMatch(/join \(Add\)\s+\(None, 8, 8, 4\)\s+0\s+\['left\[0\]\[0\]', 'right\[0\]\[0\]'\]/);
    expect(text).toMatch(/shared \(Conv2D\)\s+\(None, 8, 8, 4\)\s+148\s+\['join\[0\]\[0\]', 'shared\[0\]\[0\]'\]/);
    expect(text).toMatch(/skip \(Concatenate\)\s+\(None, 8, 8, 12\)\s+0\s+\['shared\[0\]\[0\]', 'shared\[1\]\[0\]', 'stem\[0\]\[0\]'\]/);
    expect(text).toContain(`Total params: ${m.countParams()}`);
    expect(m.countParams()).toBe(40 + 148 * 3 + 109);
  });

  test('withInputShape rebuilds a fully convolutional graph at another size with the same weights', async () => {
    const m = fanOutSharedModel();
    const big = m.withInputShape([16, 12, 1]);
    expect(big.outputShape).toEqual([16, 12, 1]);
    expect(big.getWeights()).toEqual(m.getWeights());
    const X = tensor(data(1, 16 * 12, 0, 1), [1, 16, 12, 1]);
    expect((await big.predict(X)).shape).toEqual([1, 16, 12, 1]);
    big.dispose();
  });

  test('shape errors name the layer and every shape, before any work', () => {
    const x = input({ shape: [8, 8, 1] });
    const a = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'a' }).apply(x);
    const b = layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'b' }).apply(x);
    expect(() => layers.add({ name: 'sum' }).apply([a, b])).toThrow('sum: add needs inputs of one shape, got [8,8,4], [8,8,2]');
    expect(() => layers.subtract().apply([a, a, a])).toThrow(/subtract takes exactly two inputs \(a - b\), got 3/);
    expect(() => layers.add().apply(a)).toThrow(/merges two or more tensors: apply it to an array/);
    expect(() => layers.conv2d({ filters: 1, kernelSize: 3 }).apply([a, b])).toThrow(/takes one input tensor, got 2/);
    const pooled = layers.maxPooling2d().apply(a);
    expect(() => layers.concatenate({ name: 'cat' }).apply([pooled, b])).toThrow('cat: concatenate needs inputs that agree on every axis but the last, got [4,4,4], [8,8,2]');
    expect(() => layers.concatenate({ axis: 1 }).apply([a, b])).toThrow(/only the last \(channel\) axis/);
    expect(() => layers.conv2d({ filters: 1, kernelSize: 3 }).apply(new Float32Array(4) as never)).toThrow(/apply\(\) takes the output of input\(\{ shape \}\).*got a Float32Array of 4 values/);
    const shared = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'shared' });
    shared.apply(a);
    expect(() => shared.apply(b)).toThrow(/shared: applied again to input \[8,8,2\].*\[\[3,3,2,4\],\[4\]\].*\[\[3,3,4,4\],\[4\]\]/);
  });

  test('models take one input and one output, and say so', () => {
    const x = input({ shape: [4] });
    const other = input({ shape: [4], name: 'other' });
    const y = layers.dense({ units: 2 }).apply(x);
    expect(() => model({ inputs: [x, other], outputs: y })).toThrow(/inputs must be one tensor \(one input per model is supported\), got 2/);
    expect(() => model({ inputs: x, outputs: [y, y] })).toThrow(/outputs must be one tensor/);
    expect(() => model({ inputs: x, outputs: layers.add().apply([y, layers.dense({ units: 2 }).apply(other)]) })).toThrow(/depends on the input "other" \[4\], which is not the model's input/);
    expect(() => model({ inputs: y, outputs: y })).toThrow(/inputs must be what input\(\{ shape \}\) returned/);
    expect(() => model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(other) })).toThrow(/depends on the input "other"/);
    expect(() => model({ inputs: x, outputs: layers.flatten().apply(x) })).toThrow(/no layer that computes anything/);
    expect(() => new Sequential({ inputShape: [4] }, [layers.add()])).toThrow(/merges several tensors; build such models with the functional API/);
    expect(() => input({ shape: [28, 28.5, 1] })).toThrow(/input: shape must be positive integers .* got \[28, 28.5, 1\]/);
  });
});

// conv -> pool and upsampling -> conv pairs, fused or not (fusedPools, fusedUpsamplings).
type Build = (variant: 'simd' | 'simd-threads' | 'scalar' | 'relaxed-simd', threads?: number) => Sequential;
const FUSION_CASES: { name: string; pools: number; ups: number; shape: number[]; build: Build }[] = [
  { name: 'the tutorial (28x28x16 and 14x14x8 pooled, 7x7 not; three upsamplings)', pools: 2, ups: 3, shape: [28, 28, 1], build: (variant, threads = 1) => new Sequential({ inputShape: [28, 28, 1], seed: 4, threads, variant }, [
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d({ padding: 'same' }),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d({ padding: 'same' }),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d({ padding: 'same' }),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.upSampling2d(),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.upSampling2d(),
    layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }), layers.upSampling2d(),
    layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ]) },
  { name: 'linear, strided and valid (10x10x3, stride 2 -> 4x4x8 -> 2x2x8)', pools: 1, ups: 0, shape: [10, 10, 3], build: (variant, threads = 1) => new Sequential({ inputShape: [10, 10, 3], seed: 5, threads, variant }, [
    layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid' }), layers.maxPooling2d(),
  ]) },
  { name: 'upsampling by 2 x 3 into a valid, strided conv, an odd width not pooled in the tiles (5x4x3 -> 10x12x3 -> 4x5x8 -> 2x3x8)', pools: 0, ups: 1, shape: [5, 4, 3], build: (variant, threads = 1) => new Sequential({ inputShape: [5, 4, 3], seed: 7, threads, variant }, [
    layers.upSampling2d({ size: [2, 3] }), layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }),
    layers.maxPooling2d({ padding: 'same' }),
  ]) },
  { name: 'upsampling into a conv pooled after it (4x4x8 -> 8x8x8 -> 8x8x16 -> 4x4x16)', pools: 1, ups: 1, shape: [4, 4, 8], build: (variant, threads = 1) => new Sequential({ inputShape: [4, 4, 8], seed: 8, threads, variant }, [
    layers.upSampling2d(), layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d(),
  ]) },
  // Places shared by liveness (planInferenceBuffers, same size per sample): the pooled output (4x4x32)
  // lands where the 1x1 conv's input (8x8x8) was, a conv reading in place; and the last conv's output
  // (4x4x8) where the upsampling's input was. Each conv must copy its image before it writes.
  { name: 'the pooled output shares the place of the conv\'s input (8x8x8 -> 1x1 conv to 8x8x32 -> 4x4x32)', pools: 1, ups: 0, shape: [8, 8, 8], build: (variant, threads = 1) => new Sequential({ inputShape: [8, 8, 8], seed: 9, threads, variant }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu' }), layers.maxPooling2d(),
  ]) },
  { name: 'a conv\'s output shares the place of the upsampling\'s input (4x4x8 -> 4x4x8 -> 8x8x8 -> 4x4x8 strided)', pools: 0, ups: 1, shape: [4, 4, 8], build: (variant, threads = 1) => new Sequential({ inputShape: [4, 4, 8], seed: 10, threads, variant }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.upSampling2d(),
    layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }),
  ]) },
  { name: 'the pool in Winograd F(4x4) tiles (34x34x16 -> 34x34x16 -> 17x17x16: edge tiles of 2 rows and columns)', pools: 1, ups: 0, shape: [34, 34, 16], build: (variant, threads = 1) => new Sequential({ inputShape: [34, 34, 16], seed: 11, threads, variant }, [
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d(),
  ]) },
  { name: 'not fused: 12 channels, a sigmoid, an odd size, an upsampling into a pool', pools: 0, ups: 0, shape: [8, 8, 2], build: (variant, threads = 1) => new Sequential({ inputShape: [8, 8, 2], seed: 6, threads, variant }, [
    layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }), layers.maxPooling2d(),
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'sigmoid' }), layers.maxPooling2d(),
    layers.conv2d({ filters: 8, kernelSize: 2, padding: 'valid', activation: 'relu' }), layers.maxPooling2d({ padding: 'same' }),
    layers.upSampling2d(), layers.maxPooling2d(),
  ]) },
];

describe('inference: a Conv2D runs the 2x2 max pool after it in its tiles, and reads through the upsampling before it', () => {
  // The predictions of the SIMD build (both fusions) against the scalar build (upsamplings only) and
  // against activations() (every buffer stored, nothing fused): the same bits.
  test.each(FUSION_CASES)('$name', async ({ pools, ups, shape, build }) => {
    const m = build('simd');
    const graph = (m as unknown as { graph: Graph }).graph;
    expect(fusedPools(graph).filter((p) => p >= 0).length).toBe(pools);
    expect(fusedUpsamplings(graph).filter((p) => p >= 0).length).toBe(ups);
    // Values around 0, quantised: ReLU's zeros, the pool's choices and its ties all matter.
    const size = shape.reduce((a, b) => a * b);
    const X = tensor(data(11, 5 * size, -1, 1).map((v) => Math.round(v * 4) / 4), [5, ...shape]);
    const fast = (await m.predict(X)).data;
    const acts = await m.activations(X);   // every buffer stored, nothing fused
    expect(fast).toEqual(acts[acts.length - 1].data);
    const scalar = build('scalar'), threaded = build('simd-threads', 2);
    expect((await scalar.predict(X)).data).toEqual(fast);
    expect((await threaded.predict(X)).data).toEqual(fast);   // fused on 2 threads (5 samples: uneven chunks)
    m.dispose(); scalar.dispose(); threaded.dispose();
  });
});

describe('training: the same fusions, with the pool\'s winners and its ReLU\' in the pool\'s backward', () => {
  // Fused training (SIMD: both fusions; scalar: upsamplings only; 2 threads) against the SIMD build with
  // fusion off: the same losses, weights, predictions, gradients and input gradient, bit for bit. The
  // relaxed-SIMD build (its own bits: fused multiply-add) fused against itself unfused.
  const unfused = async (m: Sequential) => {
    await m.engineInfo();
    (m as unknown as { engine: { fusion: boolean } }).engine.fusion = false;   // before any layout
    return m;
  };
  test.each(FUSION_CASES)('$name', async ({ shape, build }) => {
    const size = shape.reduce((a, b) => a * b);
    const X = tensor(data(12, 5 * size, -1, 1).map((v) => Math.round(v * 4) / 4), [5, ...shape]);
    const runs: Array<{
      loss: number[]; weights: Float32Array[]; y: Float32Array; gradients: Float32Array[]; dx: Float32Array; acts: Float32Array[];
    }> = [];
    for (const m of [await unfused(build('simd')), build('simd'), build('scalar'), build('simd-threads', 2),
      await unfused(build('relaxed-simd')), build('relaxed-simd')]) {
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const outSize = m.outputShape.reduce((a, b) => a * b);
      const Y = tensor(data(13, 5 * outSize, 0, 1), [5, ...m.outputShape]);
      const history = await m.fit(X, Y, { epochs: 2, batchSize: 3, seed: 1 });   // uneven batches and chunks
      const g = await m.computeGradients(X, Y, { input: true });
      runs.push({
        loss: history.history.loss, weights: m.getWeights().map((w) => w.data), y: (await m.predict(X)).data,
        gradients: g.gradients.map((w) => w.data), dx: g.inputGradient!.data, acts: (await m.activations(X)).map((a) => a.data),
      });
      m.dispose();
    }
    expect(runs[0].dx.some((v) => v !== 0)).toBe(true);
    // Compared as bytes, naming the first difference (toEqual's diff of large arrays takes minutes).
    const bytes = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer);
    const flat = (r: (typeof runs)[number]) => Object.entries(r).flatMap(([k, v]) => (Array.isArray(v) && typeof v[0] !== 'number' ? v : [v])
      .map((a, i) => [`${k}[${i}]`, bytes(a as ArrayLike<number>)] as const));
    const same = (reference: number, others: number[]) => {
      const want = flat(runs[reference]);
      for (const j of others) {
        flat(runs[j]).forEach(([what, got], i) => {
          if (!got.equals(want[i][1])) throw new Error(`run ${j} (fused) differs from the unfused run ${reference} in ${what}`);
        });
      }
    };
    same(0, [1, 2, 3]);
    same(4, [5]);
  });
});
