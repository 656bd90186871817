// Every wasm op, forward and backward, against the f64 reference (test/reference, itself checked by
// finite differences), on odd shapes, for the SIMD, the scalar and the relaxed-SIMD (fused multiply-add)
// build.
// One table of cases; each runs as a one-layer model: predict() for the forward pass and
// computeGradients() with an MSE loss for dL/dw, dL/db and dL/dx.
import { Sequential, layers, tensor, type Layer, type Tensor } from '../src/index.js';
import { conv2dForward, conv2dBackward } from './reference/conv2d.js';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward } from './reference/pool.js';
import { upsample2dForward, upsample2dBackward } from './reference/upsample.js';
import { denseForward, denseBackward } from './reference/dense.js';
import { activationForward, activationBackward, type ActivationName } from './reference/activations.js';
import { assertClose, mulberry32, randomArray } from './reference/gradcheck.js';
import type { Padding } from './reference/padding.js';

const VARIANTS = ['simd', 'scalar'] as const;   // bit-identical by design
const REFERENCE_VARIANTS = [...VARIANTS, 'relaxed-simd'] as const;   // each against the f64 reference
const F32_EPS = 2 ** -24;

/** Absolute tolerance for f32 sums of `length` terms of size ~magnitude (worst case grows with length). */
function tol(length: number, magnitude: number) {
  return { rtol: 1e-5, atol: 8 * length * F32_EPS * magnitude + 1e-7 };
}

const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };

interface Case {
  name: string;
  N: number;
  inputShape: number[];
  layer: () => Layer;
  /** Reference forward (pre-activation) and backward (from dL/dz), both in f64. */
  ref: (x: Float64Array, w: Float64Array[]) => {
    z: Float64Array;
    act: ActivationName;
    backward: (dz: Float64Array) => { dx: Float64Array; dw: Float64Array[] };
    reduction: { forward: number; weights: number[]; input: number };
  };
  /** Quantise inputs so that max-pool windows have ties. */
  ties?: boolean;
}

function conv(name: string, N: number, [H, W, C]: number[], OC: number, k: [number, number], s: [number, number],
              padding: Padding, activation: ActivationName): Case {
  return {
    name: `conv2d ${name}`, N, inputShape: [H, W, C],
    layer: () => layers.conv2d({ filters: OC, kernelSize: k, strides: s, padding, activation }),
    ref: (x, [w, b]) => {
      const xs = { N, H, W, C };
      const opts = { KH: k[0], KW: k[1], OC, SH: s[0], SW: s[1], padding };
      const f = conv2dForward(x, xs, w, b, opts);
      const M = N * f.shape.H * f.shape.W;
      return {
        z: f.y, act: activation,
        backward: (dz) => { const g = conv2dBackward(x, xs, w, dz, opts); return { dx: g.dx, dw: [g.dw, g.db] }; },
        reduction: { forward: k[0] * k[1] * C, weights: [M, M], input: k[0] * k[1] * OC },
      };
    },
  };
}

function pool(name: string, N: number, [H, W, C]: number[], p: [number, number], s: [number, number], padding: Padding): Case {
  return {
    name: `maxPooling2d ${name}`, N, inputShape: [H, W, C], ties: true,
    layer: () => layers.maxPooling2d({ poolSize: p, strides: s, padding }),
    ref: (x) => {
      const xs = { N, H, W, C };
      const opts = { PH: p[0], PW: p[1], SH: s[0], SW: s[1], padding };
      return {
        z: maxPool2dForward(x, xs, opts).y, act: 'linear',
        backward: (dz) => ({ dx: maxPool2dBackward(x, xs, dz, opts).dx, dw: [] }),
        reduction: { forward: 1, weights: [], input: p[0] * p[1] },
      };
    },
  };
}

function avgPool(name: string, N: number, [H, W, C]: number[], p: [number, number], s: [number, number], padding: Padding): Case {
  return {
    name: `averagePooling2d ${name}`, N, inputShape: [H, W, C],
    layer: () => layers.averagePooling2d({ poolSize: p, strides: s, padding }),
    ref: (x) => {
      const xs = { N, H, W, C };
      const opts = { PH: p[0], PW: p[1], SH: s[0], SW: s[1], padding };
      return {
        z: avgPool2dForward(x, xs, opts).y, act: 'linear',
        backward: (dz) => ({ dx: avgPool2dBackward(xs, dz, opts).dx, dw: [] }),
        reduction: { forward: p[0] * p[1], weights: [], input: p[0] * p[1] },
      };
    },
  };
}

function upsample(name: string, N: number, [H, W, C]: number[], f: [number, number]): Case {
  return {
    name: `upSampling2d ${name}`, N, inputShape: [H, W, C],
    layer: () => layers.upSampling2d({ size: f }),
    ref: (x) => ({
      z: upsample2dForward(x, { N, H, W, C }, f[0], f[1]).y, act: 'linear',
      backward: (dz) => ({ dx: upsample2dBackward(dz, { N, H, W, C }, f[0], f[1]).dx, dw: [] }),
      reduction: { forward: 1, weights: [], input: f[0] * f[1] },
    }),
  };
}

function dense(name: string, N: number, inputShape: number[], OUT: number, activation: ActivationName): Case {
  const IN = inputShape[inputShape.length - 1];
  const rows = N * inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
  return {
    name: `dense ${name}`, N, inputShape,
    layer: () => layers.dense({ units: OUT, activation }),
    ref: (x, [w, b]) => {
      const shape = { N: rows, IN, OUT };
      return {
        z: denseForward(x, shape, w, b).y, act: activation,
        backward: (dz) => { const g = denseBackward(x, shape, w, dz); return { dx: g.dx, dw: [g.dw, g.db] }; },
        reduction: { forward: IN, weights: [rows, rows], input: OUT },
      };
    },
  };
}

const CASES: Case[] = [
  conv('3x3 same, odd 5x7x3 -> 5, relu', 3, [5, 7, 3], 5, [3, 3], [1, 1], 'same', 'relu'),
  conv('3x3 valid, 5x7x3 -> 6, linear', 2, [5, 7, 3], 6, [3, 3], [1, 1], 'valid', 'linear'),
  conv('2x2 stride 2 same (asymmetric pad), 5x5x2 -> 9, tanh', 3, [5, 5, 2], 9, [2, 2], [2, 2], 'same', 'tanh'),
  conv('4x2 stride 2x1 same, 9x6x4 -> 12, sigmoid', 2, [9, 6, 4], 12, [4, 2], [2, 1], 'same', 'sigmoid'),
  conv('3x3 stride 2 valid, C=1 OC=1', 3, [7, 6, 1], 1, [3, 3], [2, 2], 'valid', 'linear'),
  conv('1x1 pointwise, 4x3x5 -> 3', 2, [4, 3, 5], 3, [1, 1], [1, 1], 'valid', 'relu'),
  conv('5x5 same, 6x6x2 -> 7 (OC%4=3)', 2, [6, 6, 2], 7, [5, 5], [1, 1], 'same', 'linear'),
  conv('tutorial first layer 28x28x1 -> 16', 2, [28, 28, 1], 16, [3, 3], [1, 1], 'same', 'relu'),
  conv('tutorial last layer 28x28x16 -> 1', 2, [28, 28, 16], 1, [3, 3], [1, 1], 'same', 'sigmoid'),
  conv('tutorial valid 16x16x8 -> 16', 2, [16, 16, 8], 16, [3, 3], [1, 1], 'valid', 'relu'),
  conv('3x3 valid from 1 channel, 9x7x1 -> 8, stride 2 rows (sliding weight gradient)', 2, [9, 7, 1], 8, [3, 3], [2, 1], 'valid', 'relu'),
  conv('3x3 same to 1 channel, 6x5x8 (the sliding weight gradient)', 3, [6, 5, 8], 1, [3, 3], [1, 1], 'same', 'linear'),
  conv('3x3 valid to 1 channel, 7x4x16, stride 2 rows (sliding, 2 columns out)', 2, [7, 4, 16], 1, [3, 3], [2, 1], 'valid', 'relu'),
  conv('OC=2 and C=3, 3x3 same', 17, [4, 5, 3], 2, [3, 3], [1, 1], 'same', 'relu'),
  conv('3x3 same to 1 channel, 5x9x24 (sliding forward, 3 groups of 8 channels)', 2, [5, 9, 24], 1, [3, 3], [1, 1], 'same', 'tanh'),
  conv('3x3 valid to 1 channel, 9x12x16, stride 2 rows (sliding forward, read in place)', 2, [9, 12, 16], 1, [3, 3], [2, 1], 'valid', 'relu'),
  conv('1x3 same to 1 channel, 4x10x8 (sliding forward, a single pass)', 2, [4, 10, 8], 1, [1, 3], [1, 1], 'same', 'sigmoid'),
  conv('2x3 valid from 1 channel, 8x5x1 -> 24 (sliding forward)', 2, [8, 5, 1], 24, [2, 3], [1, 1], 'valid', 'tanh'),
  conv('3x3 same, odd 9x11x4 -> 12 (Winograd: edge tiles, 8 + 4 channels)', 2, [9, 11, 4], 12, [3, 3], [1, 1], 'same', 'relu'),
  conv('3x3 valid, 9x6x8 -> 4 (Winograd, read in place, odd rows out, 4 channels out)', 2, [9, 6, 8], 4, [3, 3], [1, 1], 'valid', 'linear'),
  conv('3x3 same, 6x10x12 -> 8 (Winograd, activation after the tiles)', 3, [6, 10, 12], 8, [3, 3], [1, 1], 'same', 'sigmoid'),
  conv('3x3 valid, 15x12x4 -> 8 (Winograd, read in place, odd rows out)', 2, [15, 12, 4], 8, [3, 3], [1, 1], 'valid', 'tanh'),
  conv('3x3 same, 12x12x32 -> 32 (Winograd F(4x4), DnCNN-like)', 1, [12, 12, 32], 32, [3, 3], [1, 1], 'same', 'relu'),
  conv('3x3 same, 28x28x16 -> 16 (Winograd F(4x4), whole tiles)', 1, [28, 28, 16], 16, [3, 3], [1, 1], 'same', 'linear'),
  conv('3x3 same, 31x31x16 -> 20 (Winograd F(4x4): edge tiles of 3, 16 + 4 channels)', 1, [31, 31, 16], 20, [3, 3], [1, 1], 'same', 'relu'),
  conv('3x3 valid, 14x18x20 -> 16 (Winograd F(4x4) read in place, 3 x 4 tiles)', 2, [14, 18, 20], 16, [3, 3], [1, 1], 'valid', 'tanh'),
  conv('3x3 same, 41x42x16 -> 16 (Winograd F(4x4): edge tiles of 1 row and 2 columns)', 1, [41, 42, 16], 16, [3, 3], [1, 1], 'same', 'relu'),
  pool('2x2 same on odd 5x7x3', 3, [5, 7, 3], [2, 2], [2, 2], 'same'),
  pool('3x3 stride 2 valid (overlapping), 7x6x4', 2, [7, 6, 4], [3, 3], [2, 2], 'valid'),
  pool('2x2 same on 7x7x8 (tutorial)', 2, [7, 7, 8], [2, 2], [2, 2], 'same'),
  pool('2x2 valid on 6x4x8 (windows tile the image: the vector backward)', 3, [6, 4, 8], [2, 2], [2, 2], 'valid'),
  pool('2x2 same on 4x6x4 (even: no padding, the vector backward)', 2, [4, 6, 4], [2, 2], [2, 2], 'same'),
  pool('3x2 stride 1 same, 4x5x5', 2, [4, 5, 5], [3, 2], [1, 1], 'same'),
  avgPool('2x2 same on odd 5x7x3 (partial windows)', 3, [5, 7, 3], [2, 2], [2, 2], 'same'),
  avgPool('3x3 stride 2 valid (overlapping), 7x6x4', 2, [7, 6, 4], [3, 3], [2, 2], 'valid'),
  avgPool('2x2 same on 7x7x8 (the tutorial\'s shape; vector path)', 2, [7, 7, 8], [2, 2], [2, 2], 'same'),
  avgPool('3x2 stride 1 same, 4x5x5 (4 + 1 channels)', 2, [4, 5, 5], [3, 2], [1, 1], 'same'),
  upsample('2x2, 3x4x5', 2, [3, 4, 5], [2, 2]),
  upsample('3x2, 2x3x1', 3, [2, 3, 1], [3, 2]),
  upsample('2x2, 4x4x8 (tutorial; 8 channels take the vector path)', 2, [4, 4, 8], [2, 2]),
  upsample('2x2, 3x5x12 (channels in 4s: the 2x2 backward path)', 2, [3, 5, 12], [2, 2]),
  upsample('1x3, 2x3x8', 2, [2, 3, 8], [1, 3]),
  dense('7 -> 5 relu', 3, [7], 5, 'relu'),
  dense('784 -> 32 relu (tutorial)', 4, [784], 32, 'relu'),
  dense('32 -> 784 sigmoid (tutorial)', 4, [32], 784, 'sigmoid'),
  dense('on the last axis of 4x3x6 -> 5 tanh', 2, [4, 3, 6], 5, 'tanh'),
];

describe.each(REFERENCE_VARIANTS)('%s build', (variant) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const rng = mulberry32(c.name.length * 7919 + c.N);
    const model = new Sequential({ inputShape: c.inputShape, variant }, [c.layer()]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const inSize = c.inputShape.reduce((a, b) => a * b, 1);
    let x = randomArray(c.N * inSize, rng);
    if (c.ties) x = x.map((v) => Math.round(v * 3) / 3);
    const weights = model.getWeights().map((w) => randomArray(w.data.length, rng, -0.5, 0.5));
    model.setWeights(weights.map((w) => Float32Array.from(w)));
    const x32 = Float32Array.from(x);
    const w64 = weights.map((w) => Float64Array.from(Float32Array.from(w)));
    const x64 = Float64Array.from(x32);
    const ref = c.ref(x64, w64);
    const yRef = activationForward(ref.act, ref.z);

    // Forward.
    const y = await model.predict(tensor(x32, [c.N, ...c.inputShape]));
    expect(y.shape).toEqual([c.N, ...model.outputShape]);
    assertClose(y.data, yRef, tol(ref.reduction.forward, 1 + maxAbs(ref.z)), `${variant} ${c.name}: forward`);

    // Backward through an MSE loss against a random target.
    const t = randomArray(yRef.length, rng);
    const { gradients, inputGradient, loss } = await model.computeGradients(
      tensor(x32, [c.N, ...c.inputShape]), tensor(Float32Array.from(t), [c.N, ...model.outputShape]), { input: true });
    let lossRef = 0;
    const dy = new Float64Array(yRef.length);
    for (let i = 0; i < yRef.length; i++) {
      lossRef += (yRef[i] - t[i]) ** 2;
      dy[i] = (2 * (yRef[i] - t[i])) / yRef.length;
    }
    assertClose(loss, lossRef / yRef.length, { rtol: 1e-5, atol: 1e-6 }, `${variant} ${c.name}: loss`);
    const g = ref.backward(activationBackward(ref.act, dy, yRef));
    const gScale = maxAbs(dy) * 4;
    gradients.forEach((gw, i) => {
      assertClose(gw.data, g.dw[i], tol(ref.reduction.weights[i], gScale * (1 + maxAbs(x64))), `${variant} ${c.name}: d${gw.name}`);
    });
    assertClose(inputGradient!.data, g.dx, tol(ref.reduction.input, gScale), `${variant} ${c.name}: dx`);
    model.dispose();
  });
});

/**
 * Trains the model `make` builds for each of VARIANTS (3 epochs, adam) on the same data and expects the
 * same losses, weights and predictions, bit for bit.
 */
async function expectSameTrainingBits(make: (variant: typeof VARIANTS[number]) => Sequential, loss: 'binaryCrossentropy' | 'meanSquaredError',
                                      x: Tensor, y: Tensor, batchSize: number) {
  const runs: Array<{ losses: number[]; weights: ReturnType<Sequential['getWeights']>; y: Float32Array }> = [];
  for (const variant of VARIANTS) {
    const model = make(variant);
    model.compile({ optimizer: 'adam', loss });
    const h = await model.fit(x, y, { epochs: 3, batchSize, seed: 1 });
    runs.push({ losses: h.history.loss, weights: model.getWeights(), y: (await model.predict(x)).data });
    model.dispose();
  }
  expect(runs[1].losses).toEqual(runs[0].losses);
  runs[0].weights.forEach((w, i) => expect(Buffer.from(runs[1].weights[i].data.buffer).equals(Buffer.from(w.data.buffer))).toBe(true));
  expect(Buffer.from(runs[1].y.buffer).equals(Buffer.from(runs[0].y.buffer))).toBe(true);
}

test('the SIMD and scalar builds give the same bits for forward, gradients and 3 training steps', async () => {
  const rng = mulberry32(5);
  const x = tensor(Float32Array.from(randomArray(6 * 784, rng, 0, 1)), [6, 28, 28, 1]);
  await expectSameTrainingBits((variant) => new Sequential({ inputShape: [28, 28, 1], variant, seed: 3 }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
    layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
    layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
    layers.flatten(),
    layers.dense({ units: 10, activation: 'relu' }),
    layers.dense({ units: 784, activation: 'sigmoid' }),
    layers.reshape({ targetShape: [28, 28, 1] }),
  ]), 'binaryCrossentropy', x, x, 4);
});

test('Winograd convolutions (fused pool with its winners, fused upsampling, input gradients) give the same bits in the SIMD and scalar builds', async () => {
  // 3x3 unit-stride convs with channels in 4s run on winograd.ts; the SIMD build fuses the pool into the
  // first (the scalar build runs it on its own), every build fuses the upsampling: the same values either way.
  const rng = mulberry32(31);
  const x = tensor(Float32Array.from(randomArray(5 * 12 * 10 * 4, rng, 0, 1)), [5, 12, 10, 4]);
  await expectSameTrainingBits((variant) => new Sequential({ inputShape: [12, 10, 4], variant, seed: 9 }, [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'linear' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'valid', activation: 'tanh' }),
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ]), 'meanSquaredError', x, tensor(new Float32Array(5 * 10 * 8 * 4).fill(0.5), [5, 10, 8, 4]), 2);
});

test('Winograd F(4x4, 3x3) predictions (the pool in the tiles, a fused upsampling) give the same bits in the SIMD and scalar builds', async () => {
  // 16 and more channels each way on 4x4 tiles wasting at most 12.5% (winograd.ts winogradUses4), in
  // predict only: the first and third convs (28x28, 16 -> 16 and 16 -> 20); the second (14x14) and the
  // fourth (4 channels out) stay on 2x2 tiles, as does all of training. The SIMD build fuses the first
  // conv's pool into its 4x4 tiles.
  const rng = mulberry32(37);
  const x = tensor(Float32Array.from(randomArray(3 * 28 * 28 * 16, rng, 0, 1)), [3, 28, 28, 16]);
  await expectSameTrainingBits((variant) => new Sequential({ inputShape: [28, 28, 16], variant, seed: 12 }, [
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 20, kernelSize: 3, padding: 'same', activation: 'linear' }),
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ]), 'meanSquaredError', x, tensor(new Float32Array(3 * 28 * 28 * 4).fill(0.5), [3, 28, 28, 4]), 2);
});

test('convs to and from 1 channel (the sliding forward kernels) give the same bits in the SIMD and scalar builds', async () => {
  // To 1 channel: forwardToOne3, which sums in its own order (the scalar build has its twin). From 1
  // channel: slidingRows3, which keeps the tiles' order (the scalar build runs the plain loops).
  const rng = mulberry32(23);
  const shapes: Array<{ input: [number, number, number]; filters: number; kernel: [number, number]; strides: [number, number];
    padding: Padding; activation: ActivationName; useBias?: boolean }> = [
    { input: [6, 11, 24], filters: 1, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear' },
    { input: [9, 12, 16], filters: 1, kernel: [3, 3], strides: [2, 1], padding: 'valid', activation: 'sigmoid' },
    { input: [4, 10, 8], filters: 1, kernel: [1, 3], strides: [1, 1], padding: 'same', activation: 'relu' },
    { input: [7, 9, 1], filters: 16, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu' },
    { input: [8, 5, 1], filters: 8, kernel: [2, 3], strides: [1, 1], padding: 'valid', activation: 'tanh' },
    { input: [6, 6, 1], filters: 24, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear', useBias: false },
    { input: [5, 8, 1], filters: 8, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: false },
    { input: [5, 9, 16], filters: 1, kernel: [3, 3], strides: [1, 1], padding: 'same', activation: 'tanh', useBias: false },
  ];
  for (const { input, filters, useBias = true, kernel, ...options } of shapes) {
    const x = Float32Array.from(randomArray(3 * input[0] * input[1] * input[2], rng, -1, 1));
    const weights = [Float32Array.from(randomArray(kernel[0] * kernel[1] * input[2] * filters, rng, -0.5, 0.5)),
      ...(useBias ? [Float32Array.from(randomArray(filters, rng, -0.2, 0.2))] : [])];
    const outs: Float32Array[] = [];
    for (const variant of VARIANTS) {
      const model = new Sequential({ inputShape: input, variant }, [layers.conv2d({ filters, kernelSize: kernel, useBias, ...options })]);
      model.setWeights(weights);
      outs.push((await model.predict(tensor(x, [3, ...input]))).data);
      model.dispose();
    }
    expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
  }
});

test("a 2x2 upsampling into a 1-channel 3x3 'same' conv (the SIMD build reads the source image, never padding the upsampled one) gives the scalar build's bits, predict and training", async () => {
  // forwardToOne3Up2 in assembly/conv2d.ts, the last layers of the tutorial: 16 channels (two groups of 8)
  // and 8; then a 2x3 upsampling and a 'valid' conv, which keep the padded copy.
  const rng = mulberry32(41);
  // 4x2 -> 8x4: too narrow for the sliding forward (8 columns), the weight gradient still reads the source.
  for (const [H, W, C, size, padding] of [[5, 6, 16, 2, 'same'], [4, 7, 8, 2, 'same'], [4, 2, 8, 2, 'same'], [4, 5, 8, [2, 3], 'same'], [5, 6, 8, 2, 'valid']] as const) {
    const x = tensor(Float32Array.from(randomArray(4 * H * W * 3, rng, 0, 1)), [4, H, W, 3]);
    const f = typeof size === 'number' ? [size, size] : size;
    const OH = padding === 'same' ? H * f[0] : H * f[0] - 2, OW = padding === 'same' ? W * f[1] : W * f[1] - 2;
    await expectSameTrainingBits((variant) => new Sequential({ inputShape: [H, W, 3], variant, seed: 13 }, [
      layers.conv2d({ filters: C, kernelSize: 1, activation: 'relu' }),
      layers.upSampling2d({ size }),
      layers.conv2d({ filters: 1, kernelSize: 3, padding, activation: 'sigmoid' }),
    ]), 'binaryCrossentropy', x, tensor(Float32Array.from(randomArray(4 * OH * OW, rng, 0, 1)), [4, OH, OW, 1]), 3);
  }
});

test("a 1-channel sigmoid layer (the SIMD build's vector exp) gives the scalar build's bits over f32's range, within 2 ulp of the exact sigmoid", async () => {
  // A 1x1 conv with kernel 1 and bias 0 feeds x itself to the sigmoid: z = x exactly.
  const rng = mulberry32(11);
  const n = 4 * 64 * 64;
  const x = new Float32Array(n);
  // exp's cut at -87.33 (e = 0 beyond it), the rounding of n = x·log2(e) at its half-way points, sigmoid's
  // saturation near ±17 and ±104, and the extremes.
  const edges = [0, -0, 87.33, -87.33, 87.3301, -87.3301, 87.32, -87.32, 0.5 * Math.LN2, -0.5 * Math.LN2, 1.5 * Math.LN2, -1.5 * Math.LN2,
    16.6, -16.6, 17, -17, 103.9, -103.9, 88.7, -88.7, 600, -600, 3e38, -3e38, 1e-45, -1e-45, 2 ** -54, -(2 ** -54)];
  for (let i = 0; i < n; i++) {
    // Magnitudes from 1e-30 to 1e3 (both signs), plus the edges, in groups of 4 that mix them.
    x[i] = i < edges.length ? edges[i] : (rng() < 0.5 ? -1 : 1) * 10 ** (rng() * 33 - 30);
  }
  const outs: Float32Array[] = [];
  for (const variant of ['simd', 'scalar', 'relaxed-simd'] as const) {
    const model = new Sequential({ inputShape: [64, 64, 1], variant }, [layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' })]);
    model.setWeights([new Float32Array([1]), new Float32Array([0])]);
    outs.push((await model.predict(tensor(x, [4, 64, 64, 1]))).data);
    model.dispose();
  }
  expect(Buffer.from(outs[0].buffer).equals(Buffer.from(outs[1].buffer))).toBe(true);
  expect(Buffer.from(outs[2].buffer).equals(Buffer.from(outs[1].buffer))).toBe(true);   // no multiply-add in the sigmoid
  // 2 ulp of the exact value (f32's ulp at the exact value's binade; exp's cut: below 1.2e-38 absolute).
  for (let i = 0; i < n; i++) {
    const exact = 1 / (1 + Math.exp(-x[i]));
    const ulp = exact === 0 ? 0 : 2 ** (Math.floor(Math.log2(exact)) - 23);
    expect(Math.abs(outs[0][i] - exact)).toBeLessThanOrEqual(Math.max(2 * ulp, 1.2e-38));
  }
});
