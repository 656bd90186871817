// Conv2DTranspose, useBias: false and kernelRegularizer in wasm: every case against the f64 references
// (test/reference/, themselves checked by finite differences and against TF.js), on odd shapes, strides
// 1/2/3, 'same'/'valid', odd and even kernels, for the SIMD and the scalar build; both builds give the
// same bits, and so do 1, 2 and 3 threads.
import { Sequential, layers, model as functional, input, presets, tensor, modelToFiles, modelFromFiles, type Layer, type LayersModel } from '../src/index.js';
import { conv2dTransposeForward, conv2dTransposeBackward } from './reference/conv2d-transpose.js';
import { conv2dForward, conv2dBackward } from './reference/conv2d.js';
import { denseForward, denseBackward } from './reference/dense.js';
import { activationForward, activationBackward, type ActivationName } from './reference/activations.js';
import { assertClose, mulberry32, randomArray } from './reference/gradcheck.js';
import type { Padding } from './reference/padding.js';

const VARIANTS = ['simd', 'scalar'] as const;
const F32_EPS = 2 ** -24;
const tol = (length: number, magnitude: number) => ({ rtol: 1e-5, atol: 8 * length * F32_EPS * magnitude + 1e-7 });
const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

interface Case {
  name: string;
  N: number;
  inputShape: number[];
  layer: () => Layer;
  /** f64 reference: pre-activation z, and the backward from dL/dz (weights in the layer's order). */
  ref: (x: Float64Array, w: Float64Array[]) => { z: Float64Array; act: ActivationName; backward: (dz: Float64Array) => { dx: Float64Array; dw: Float64Array[] }; reduction: number };
}

function convT(N: number, [H, W, C]: number[], F: number, k: [number, number], s: [number, number], padding: Padding,
               activation: ActivationName, useBias = true): Case {
  return {
    name: `conv2dTranspose ${k[0]}x${k[1]} s${s[0]}x${s[1]} ${padding}, ${H}x${W}x${C} -> ${F} ${activation}${useBias ? '' : ', no bias'}`,
    N, inputShape: [H, W, C],
    layer: () => layers.conv2dTranspose({ filters: F, kernelSize: k, strides: s, padding, activation, useBias }),
    ref: (x, [w, b]) => {
      const xs = { N, H, W, C }, o = { KH: k[0], KW: k[1], F, SH: s[0], SW: s[1], padding };
      return {
        z: conv2dTransposeForward(x, xs, w, useBias ? b : null, o).y, act: activation,
        backward: (dz) => { const g = conv2dTransposeBackward(x, xs, w, dz, o); return { dx: g.dx, dw: useBias ? [g.dw, g.db] : [g.dw] }; },
        reduction: k[0] * k[1] * Math.max(C, F) * 4,
      };
    },
  };
}

function convNoBias(N: number, [H, W, C]: number[], OC: number, k: number, s: number, padding: Padding, activation: ActivationName): Case {
  return {
    name: `conv2d ${k}x${k} s${s} ${padding}, ${H}x${W}x${C} -> ${OC} ${activation}, no bias`, N, inputShape: [H, W, C],
    layer: () => layers.conv2d({ filters: OC, kernelSize: k, strides: s, padding, activation, useBias: false }),
    ref: (x, [w]) => {
      const xs = { N, H, W, C }, o = { KH: k, KW: k, OC, SH: s, SW: s, padding };
      return { z: conv2dForward(x, xs, w, null, o).y, act: activation, backward: (dz) => { const g = conv2dBackward(x, xs, w, dz, o); return { dx: g.dx, dw: [g.dw] }; }, reduction: k * k * Math.max(C, OC) * 4 };
    },
  };
}

function denseNoBias(N: number, IN: number, OUT: number, activation: ActivationName): Case {
  return {
    name: `dense ${IN} -> ${OUT} ${activation}, no bias`, N, inputShape: [IN],
    layer: () => layers.dense({ units: OUT, activation, useBias: false }),
    ref: (x, [w]) => {
      const sh = { N, IN, OUT };
      return { z: denseForward(x, sh, w, null).y, act: activation, backward: (dz) => { const g = denseBackward(x, sh, w, dz); return { dx: g.dx, dw: [g.dw] }; }, reduction: Math.max(IN, N) * 4 };
    },
  };
}

export const CASES: Case[] = [
  convT(2, [4, 5, 3], 2, [3, 3], [2, 2], 'same', 'relu'),
  convT(2, [7, 7, 32], 32, [3, 3], [2, 2], 'same', 'relu'),              // keras.io's first decoder layer
  convT(3, [3, 4, 5], 9, [3, 3], [2, 2], 'valid', 'linear'),
  convT(2, [5, 3, 2], 6, [3, 3], [1, 1], 'same', 'tanh'),
  convT(2, [4, 3, 4], 3, [3, 3], [1, 1], 'valid', 'sigmoid'),
  convT(2, [5, 4, 1], 8, [3, 3], [1, 1], 'same', 'relu'),                // from 1 channel: slidingRows3, wgradToOneChannel3
  convT(2, [4, 5, 8], 1, [3, 3], [1, 1], 'valid', 'linear'),             // to 1 channel: wgradFromOneChannel3
  convT(3, [3, 4, 6], 5, [2, 2], [2, 2], 'same', 'relu'),                // even kernel = stride (no padding)
  convT(1, [3, 3, 5], 4, [4, 4], [2, 2], 'same', 'linear'),              // even kernel, padding 1 each side
  convT(2, [3, 4, 3], 7, [4, 2], [2, 1], 'same', 'tanh'),
  convT(2, [3, 2, 2], 8, [5, 5], [3, 3], 'same', 'relu'),                // stride 3
  convT(2, [3, 2, 3], 4, [2, 2], [3, 3], 'valid', 'linear'),             // kernel < stride: phases with no tap
  convT(2, [3, 3, 3], 2, [1, 1], [2, 2], 'same', 'sigmoid'),
  convT(3, [4, 5, 3], 5, [3, 3], [2, 2], 'same', 'relu', false),
  convT(2, [3, 3, 4], 1, [4, 4], [2, 2], 'valid', 'sigmoid', false),
  convNoBias(3, [5, 7, 3], 5, 3, 1, 'same', 'relu'),
  convNoBias(2, [6, 5, 2], 9, 3, 2, 'valid', 'tanh'),
  convNoBias(2, [6, 6, 4], 4, 2, 2, 'same', 'linear'),
  denseNoBias(3, 7, 5, 'relu'),
  denseNoBias(4, 12, 9, 'sigmoid'),
];

describe.each(VARIANTS)('%s build', (variant) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const rng = mulberry32(c.name.length * 31 + c.N);
    const model = new Sequential({ inputShape: c.inputShape, variant }, [c.layer()]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const inSize = c.inputShape.reduce((a, b) => a * b, 1);
    const x32 = Float32Array.from(randomArray(c.N * inSize, rng));
    const w32 = model.getWeights().map((w) => Float32Array.from(randomArray(w.data.length, rng, -0.5, 0.5)));
    model.setWeights(w32);
    const ref = c.ref(Float64Array.from(x32), w32.map((w) => Float64Array.from(w)));
    const yRef = activationForward(ref.act, ref.z);
    const xT = tensor(x32, [c.N, ...c.inputShape]);
    const y = await model.predict(xT);
    expect(y.data.length).toBe(yRef.length);
    assertClose(y.data, yRef, tol(ref.reduction, 1 + maxAbs(ref.z)), `${variant} ${c.name}: forward`);
    const t = randomArray(yRef.length, rng);
    const { gradients, inputGradient, loss } = await model.computeGradients(xT, tensor(Float32Array.from(t), [c.N, ...model.outputShape]), { input: true });
    const dy = yRef.map((v, i) => (2 * (v - t[i])) / yRef.length);
    const lossRef = yRef.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / yRef.length;
    assertClose(loss, lossRef, { rtol: 1e-5, atol: 1e-6 }, `${variant} ${c.name}: loss`);
    const g = ref.backward(activationBackward(ref.act, dy, yRef));
    expect(gradients.length).toBe(g.dw.length);
    const scale = maxAbs(dy) * 4;
    gradients.forEach((gw, i) => assertClose(gw.data, g.dw[i], tol(ref.reduction * c.N, scale * (1 + maxAbs(x32))), `${variant} ${c.name}: d${gw.name}`));
    assertClose(inputGradient!.data, g.dx, tol(ref.reduction, scale), `${variant} ${c.name}: dx`);
    model.dispose();
  });
});

/** A small decoder-like model with every new feature: strided conv (phase input gradient), no-bias, penalties, transposed convs. */
function mixedModel(opts: { variant?: 'simd' | 'scalar'; threads?: number }): LayersModel {
  const reg = { l1: 1e-4, l2: 5e-4 };
  const m = new Sequential({ inputShape: [12, 12, 2], seed: 5, ...opts }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false, kernelRegularizer: reg }),
    layers.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelRegularizer: { l2: 1e-3 } }),
    layers.conv2dTranspose({ filters: 6, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', useBias: false, kernelRegularizer: reg }),
    layers.conv2dTranspose({ filters: 5, kernelSize: 3, strides: 3, padding: 'valid', activation: 'tanh' }),
    layers.conv2d({ filters: 2, kernelSize: 3, strides: 3, padding: 'valid', activation: 'sigmoid' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

const data = (n: number, shape: number[], seed: number) => {
  const rng = mulberry32(seed);
  return tensor(Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng()), [n, ...shape]);
};

test('the SIMD and scalar builds give the same bits: forward, gradients and 3 adam steps (mixed model, keras.io denoiser)', async () => {
  for (const make of [mixedModel, (o: { variant?: 'simd' | 'scalar' }) => presets.kerasIoDenoiser({ ...o, seed: 2 })]) {
    const runs: Array<{ losses: number[]; w: Float32Array[]; y: Float32Array }> = [];
    for (const variant of VARIANTS) {
      const m = make({ variant });
      const x = data(6, m.inputShape, 3);
      const h = await m.fit(x, x, { epochs: 3, batchSize: 4, seed: 1 });
      runs.push({ losses: h.history.loss, w: m.getWeights().map((w) => w.data), y: (await m.predict(x)).data });
      m.dispose();
    }
    expect(runs[1].losses).toEqual(runs[0].losses);
    runs[0].w.forEach((w, i) => expect(bits(runs[1].w[i]).equals(bits(w))).toBe(true));
    expect(bits(runs[1].y).equals(bits(runs[0].y))).toBe(true);
  }
});

test('1, 2 and 3 threads give bit-identical losses, weights and predictions (mixed model, keras.io denoiser)', async () => {
  for (const make of [mixedModel, (o: { threads?: number }) => presets.kerasIoDenoiser({ ...o, seed: 2 })]) {
    const runs: Array<{ losses: number[]; w: Float32Array[]; y: Float32Array }> = [];
    for (const threads of [1, 2, 3]) {
      const m = make({ threads });
      expect((await m.engineInfo()).threads).toBe(threads);
      const x = data(21, m.inputShape, 4);
      const h = await m.fit(x, x, { epochs: 2, batchSize: 10, seed: 2 });   // batches of 10, 10, 1
      runs.push({ losses: h.history.loss, w: m.getWeights().map((w) => w.data), y: (await m.predict(x, { batchSize: 7 })).data });
      m.dispose();
    }
    for (const r of runs.slice(1)) {
      expect(r.losses).toEqual(runs[0].losses);
      r.w.forEach((w, i) => expect(bits(w).equals(bits(runs[0].w[i]))).toBe(true));
      expect(bits(r.y).equals(bits(runs[0].y))).toBe(true);
    }
  }
});

describe('kernelRegularizer', () => {
  test('adds Σ l1|w| + l2·w² to the loss and l1·sign(w) + 2·l2·w to dL/dw, per penalised kernel only', async () => {
    const reg = { l1: 0.003, l2: 0.02 };
    const build = (withPenalty: boolean) => {
      const m = new Sequential({ inputShape: [5, 4, 2], seed: 8 }, [
        layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', ...(withPenalty ? { kernelRegularizer: reg } : {}) }),
        layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, useBias: false, ...(withPenalty ? { kernelRegularizer: { l2: 0.05 } } : {}) }),
        layers.flatten(),
        layers.dense({ units: 4, ...(withPenalty ? { kernelRegularizer: { l1: 0.01 } } : {}) }),
      ]);
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      return m;
    };
    const plain = build(false), penalised = build(true);
    const x = data(3, [5, 4, 2], 1), y = data(3, [4], 2);
    const a = await plain.computeGradients(x, y), b = await penalised.computeGradients(x, y);
    const w = penalised.getWeights();
    expect(w.map((v) => v.name)).toEqual(['conv2d/kernel', 'conv2d/bias', 'conv2d_transpose/kernel', 'dense/kernel', 'dense/bias']);
    const rates = [reg, null, { l1: 0, l2: 0.05 }, { l1: 0.01, l2: 0 }, null];
    let penalty = 0;
    w.forEach((v, i) => {
      const r = rates[i];
      const expected = Float64Array.from(a.gradients[i].data, (g, j) => (r ? g + r.l1 * Math.sign(v.data[j]) + 2 * r.l2 * v.data[j] : g));
      if (r) v.data.forEach((wj) => { penalty += r.l1 * Math.abs(wj) + r.l2 * wj * wj; });
      assertClose(b.gradients[i].data, expected, { rtol: 1e-6, atol: 1e-8 }, `d${v.name}`);
    });
    expect(penalty).toBeGreaterThan(0.01);
    assertClose(b.loss, a.loss + penalty, { rtol: 1e-6, atol: 1e-9 }, 'loss');
    // fit reports the penalised loss of the weights each step starts from (Keras and TF.js do)
    const h = await penalised.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false });
    assertClose(h.history.loss[0], b.loss, { rtol: 1e-6, atol: 1e-9 }, 'fit loss');
    expect(await penalised.evaluate(x, y)).toBeGreaterThan(0);
    plain.dispose(); penalised.dispose();
  });

  test('accepts TF.js-style objects and strings; refuses bad rates, naming the layer', () => {
    const cfg = (r: unknown) => layers.conv2d({ filters: 1, kernelSize: 1, kernelRegularizer: r as never }) as unknown as { config: Record<string, unknown> };
    expect(cfg({ className: 'L1L2', config: { l1: 0, l2: 0.001 } }).config.kernelRegularizer).toEqual({ l1: 0, l2: 0.001 });
    expect(cfg('l2').config.kernelRegularizer).toEqual({ l1: 0, l2: 0.01 });
    expect(cfg({ l1: 0.5 }).config.kernelRegularizer).toEqual({ l1: 0.5, l2: 0 });
    expect(cfg({ l1: 0, l2: 0 }).config.kernelRegularizer).toBeNull();
    expect(() => cfg({ l2: -1 })).toThrow(/conv2d\(\): kernelRegularizer l2 must be a number >= 0, got -1/);
    expect(() => cfg({ foo: 1 })).toThrow(/kernelRegularizer must be \{ l1\?, l2\? \}/);
    expect(() => layers.dense({ units: 2, useBias: 'no' as never })).toThrow(/dense\(\): useBias must be true or false/);
    expect(() => layers.conv2dTranspose({ filters: 0, kernelSize: 3 })).toThrow(/conv2dTranspose\(\): filters must be a positive integer, got 0/);
    expect(() => layers.conv2dTranspose({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be 'same' or 'valid'/);
  });
});

test('conv2dTranspose: Keras output sizes, weight shapes and names, parameter count, summary', () => {
  const x = input({ shape: [7, 5, 3] });
  const a = layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(x);
  const b = layers.conv2dTranspose({ filters: 2, kernelSize: [4, 2], strides: [3, 1], padding: 'valid', useBias: false }).apply(a);
  expect(a.shape).toEqual([null, 14, 10, 4]);
  expect(b.shape).toEqual([null, 43, 11, 2]);   // (14-1)*3 + 4, (10-1)*1 + 2
  const m = functional({ inputs: x, outputs: b });
  expect(m.getWeights().map((w) => [w.name, w.shape])).toEqual([
    ['conv2d_transpose/kernel', [3, 3, 4, 3]], ['conv2d_transpose/bias', [4]], ['conv2d_transpose_1/kernel', [4, 2, 2, 4]],
  ]);
  expect(m.countParams()).toBe(3 * 3 * 4 * 3 + 4 + 4 * 2 * 2 * 4);
  expect(m.summary(null)).toMatch(/conv2d_transpose_1 \(Conv2DTranspose\)/);
});

test('model files keep use_bias, kernel_regularizer and Conv2DTranspose (ours -> ours), as Keras writes them', async () => {
  const m = mixedModel({});
  const files = modelToFiles(m);
  const layersJson = files.json.modelTopology.config.layers;
  expect(layersJson.map((l) => l.class_name)).toEqual(['Conv2D', 'Conv2D', 'Conv2DTranspose', 'Conv2DTranspose', 'Conv2D']);
  expect(layersJson[0].config).toMatchObject({ use_bias: false, kernel_regularizer: { class_name: 'L1L2', config: { l1: 1e-4, l2: 5e-4 } } });
  expect(layersJson[2].config).toMatchObject({ use_bias: false, strides: [2, 2], kernel_size: [4, 4], output_padding: null });
  expect(layersJson[3].config).toMatchObject({ use_bias: true, kernel_regularizer: null });
  const back = modelFromFiles(JSON.parse(JSON.stringify(files.json)), () => files.weights);
  const withoutName = (cs: LayersModel['layerConfigs']) => cs.map(({ className, config: { name: _n, ...rest } }) => ({ className, rest }));
  expect(withoutName(back.layerConfigs)).toEqual(withoutName(m.layerConfigs));
  expect(back.getWeights()).toEqual(m.getWeights());
  m.dispose();
});

describe('presets', () => {
  test("kerasIoDenoiser is keras.io's model: layers, shapes, 28,353 parameters, adam + BCE", () => {
    const m = presets.kerasIoDenoiser();
    expect(m.countParams()).toBe(28353);
    expect(m.nodes.map((n) => [n.layer, n.className, n.outputShape])).toEqual([
      ['conv2d', 'Conv2D', [28, 28, 32]], ['max_pooling2d', 'MaxPooling2D', [14, 14, 32]],
      ['conv2d_1', 'Conv2D', [14, 14, 32]], ['max_pooling2d_1', 'MaxPooling2D', [7, 7, 32]],
      ['conv2d_transpose', 'Conv2DTranspose', [14, 14, 32]], ['conv2d_transpose_1', 'Conv2DTranspose', [28, 28, 32]],
      ['conv2d_2', 'Conv2D', [28, 28, 1]],
    ]);
    expect(m.compileConfig).toMatchObject({ loss: 'binaryCrossentropy', optimizer: { type: 'adam', learningRate: 0.001 } });
  });

  test('unet: depth and filters, concatenated skips, errors that say what fits', () => {
    const m = presets.unet({ depth: 3, filters: 4, inputShape: [32, 24, 3] });
    expect(m.outputShape).toEqual([32, 24, 3]);
    const classes = m.nodes.map((n) => n.className);
    expect(classes.filter((c) => c === 'MaxPooling2D')).toHaveLength(3);
    expect(classes.filter((c) => c === 'Conv2DTranspose')).toHaveLength(3);
    expect(classes.filter((c) => c === 'Concatenate')).toHaveLength(3);
    expect(m.nodes.find((n) => n.className === 'Concatenate')!.outputShape).toEqual([8, 6, 32]);   // 16 up + 16 skip
    expect(() => presets.unet({ depth: 3 })).toThrow(/multiples of 2\^depth = 8, got undefined \(the most this size allows is depth 2/);
    expect(() => presets.unet({ filters: 0 })).toThrow(/unet: filters must be a positive integer, got 0/);
  });

  test('unet residual: the output is the input minus a linear 3x3 noise estimate; MSE', async () => {
    const m = presets.unet({ depth: 1, filters: 4, inputShape: [8, 8, 1], residual: true, seed: 3 });
    expect(m.compileConfig).toMatchObject({ loss: 'meanSquaredError' });
    expect(m.nodes.slice(-2).map((n) => [n.layer, n.className])).toEqual([['noise', 'Conv2D'], ['denoised', 'Subtract']]);
    // A noise layer with zero kernel and bias 0.25 predicts 0.25 everywhere: the output is x - 0.25.
    const w = m.getWeights().map((t) => (t.name.startsWith('noise/') ? { ...t, data: t.name.endsWith('bias') ? Float32Array.of(0.25) : new Float32Array(t.data.length) } : t));
    m.setWeights(w);
    const x = tensor(Float32Array.from({ length: 64 }, (_, i) => (i * 37 % 64) / 64), [1, 8, 8, 1]);
    const y = await m.predict(x);
    expect(Array.from(y.data)).toEqual(Array.from(x.data).map((v) => Math.fround(v - 0.25)));
    m.dispose();
  });
});
