// Binary cross-entropy in wasm, at the edges the training runs never reach: predictions driven into the
// clip [1e-7, 1 - 1e-7] (f32 bounds), and a BCE model whose last layer is not a sigmoid conv2d/dense, so
// that the loss is not fused and the gradient goes through dL/dp = (p - t) / (p (1 - p)).
// Each model is one layer with a zero kernel, so its outputs are its biases (exactly, or through one
// sigmoid) and every expected value follows from the f64 reference loss (test/reference/losses.ts) of
// the predictions the engine returns. Both builds.
import { Sequential, layers, tensor, type Layer } from '../src/index.js';
import { binaryCrossentropy } from './reference/losses.js';

const VARIANTS = ['simd', 'scalar'] as const;
const LO = Math.fround(1e-7);                 // the clip bounds as an f32 kernel holds them
const HI = Math.fround(1 - LO);               // 1 - 2^-23
const logit = (p: number) => Math.log(p / (1 - p));

// Row-major [N, units] targets, and biases chosen per unit.
const N = 2, UNITS = 6, IN = 3;
const TARGETS = [
  0, 1, 0.25, 0.75, 1, 0.4,
  1, 0, 1, 0, 0.5, 0.9,
];
const X = tensor(Float32Array.from({ length: N * IN }, (_, i) => 0.1 + 0.2 * i), [N, IN]);

async function oneLayer(variant: (typeof VARIANTS)[number], layer: Layer, inputShape: number[], bias: number[]): Promise<Sequential> {
  const model = new Sequential({ inputShape, variant, threads: 1 }, [layer]);
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const [kernel] = model.getWeights();
  model.setWeights([new Float32Array(kernel.data.length), Float32Array.from(bias)]);
  return model;
}

/** |got - want| <= rtol |want| + atol elementwise, reported with the index. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rtol * Math.abs(want[i]) + atol)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
    }
  }
}

describe.each(VARIANTS)('%s build', (variant) => {
  test('saturated BCE fused with a sigmoid dense: the clip sets the loss, and the gradient is 0 only where it is active', async () => {
    // sigmoid(+-40) is 1 and 4e-18 in f32: both clipped. sigmoid(logit(5e-7)) and its mirror lie inside the
    // 1e-7 clip but outside a 1e-6 one, so a changed epsilon changes both the loss and the gradient.
    const bias = [40, -40, logit(5e-7), -logit(5e-7), 0.3, -2];
    const model = await oneLayer(variant, layers.dense({ units: UNITS, activation: 'sigmoid' }), [IN], bias);
    const y = tensor(Float32Array.from(TARGETS), [N, UNITS]);
    const p = (await model.predict(X)).data;
    expect([p[0], p[1] < LO]).toEqual([1, true]);                        // clipped at the top and at the bottom
    for (const j of [2, 3]) expect(Math.min(p[j], 1 - p[j])).toBeGreaterThan(2e-7);
    for (const j of [2, 3]) expect(Math.min(p[j], 1 - p[j])).toBeLessThan(1e-6);

    const ref = binaryCrossentropy(TARGETS, p, { float32Clip: true });
    // The clipped elements alone: t = 0 at p = 1 costs -log(1 - HI) = 15.94, t = 1 at p < LO costs -log(LO) = 16.12
    // (with epsilon 1e-6 they would cost 13.8; with 1e-3, 6.9).
    expect(-Math.log(1 - HI)).toBeCloseTo(15.9424, 4);
    expect(-Math.log(LO)).toBeCloseTo(16.1181, 4);
    const loss = await model.evaluate(X, y);
    expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-6 * ref.loss);
    expect(loss).toBeGreaterThan(5);                                      // the clipped elements dominate it

    // Fused: dL/dz = (p - t) / count inside the clip, 0 where it is active; the bias gradient sums rows.
    const { gradients, loss: gradLoss } = await model.computeGradients(X, y);
    expect(Math.abs(gradLoss - ref.loss)).toBeLessThanOrEqual(1e-6 * ref.loss);
    const dBias = new Float64Array(UNITS);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < UNITS; j++) {
        const pj = p[n * UNITS + j], inside = pj >= LO && pj <= HI;
        dBias[j] += inside ? (pj - TARGETS[n * UNITS + j]) / (N * UNITS) : 0;
      }
    }
    expect([dBias[0], dBias[1]]).toEqual([0, 0]);
    expect(Math.abs(dBias[2])).toBeGreaterThan(0.05);                    // large: inside the clip, not clipped
    expectClose(gradients[1].data, dBias, 1e-5, 1e-9, 'dL/dbias');
    model.dispose();
  });

  test('BCE after a linear dense (not fused): dL/dp = (p - t) / (p (1 - p)), 0 outside [1e-7, 1 - 1e-7]', async () => {
    // Outputs are the biases: two outside [0, 1] (clipped), one just inside the low clip, three ordinary.
    const bias = [1.5, -0.2, 5e-7, 0.5, 0.2, 0.9];
    const model = await oneLayer(variant, layers.dense({ units: UNITS, activation: 'linear' }), [IN], bias);
    const y = tensor(Float32Array.from(TARGETS), [N, UNITS]);
    const p = (await model.predict(X)).data;
    expectClose(p, [...bias, ...bias].map(Math.fround), 0, 0, 'predictions');
    const ref = binaryCrossentropy(TARGETS, p, { float32Clip: true });
    const { gradients, inputGradient, loss } = await model.computeGradients(X, y, { input: true });
    expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-6 * ref.loss);
    const [kernel] = model.getWeights();
    // dL/dW[i][j] = sum_n x[n][i] g[n][j]; dL/db[j] = sum_n g[n][j]; dL/dx = g W^T = 0 (zero kernel).
    const dKernel = new Float64Array(IN * UNITS), dBias = new Float64Array(UNITS);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < UNITS; j++) {
        const g = ref.grad[n * UNITS + j];
        dBias[j] += g;
        for (let i = 0; i < IN; i++) dKernel[i * UNITS + j] += X.data[n * IN + i] * g;
      }
    }
    expect([dBias[0], dBias[1]]).toEqual([0, 0]);
    expect(Math.abs(dBias[3])).toBeGreaterThan(0.05);                    // sum of (0.5 - t) / 0.25 / 12: 1/12, not 1/48
    expectClose(gradients[0].data, dKernel, 1e-5, 1e-9, 'dL/dkernel');
    expectClose(gradients[1].data, dBias, 1e-5, 1e-9, 'dL/dbias');
    expect(kernel.data.every((v) => v === 0) && inputGradient!.data.every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  test('BCE after a sigmoid conv2d followed by upsampling (not fused): chain rule through p (1 - p)', async () => {
    // A 1x1 conv on a 1x1 picture, upsampled to 2x2: each unit's p appears 4 times per sample.
    const bias = [40, -40, logit(5e-7), -logit(5e-7), 0.3, -2];
    const layer = layers.conv2d({ filters: UNITS, kernelSize: 1, activation: 'sigmoid' });
    const model = new Sequential({ inputShape: [1, 1, IN], variant, threads: 1 }, [layer, layers.upSampling2d({ size: 2 })]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    model.setWeights([new Float32Array(IN * UNITS), Float32Array.from(bias)]);
    const t = new Float32Array(N * 4 * UNITS);                           // copy k of a target scaled by 1 - 0.1 k
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < 4; k++) {
        for (let j = 0; j < UNITS; j++) t[(n * 4 + k) * UNITS + j] = TARGETS[n * UNITS + j] * (1 - 0.1 * k);
      }
    }
    const x = tensor(X.data, [N, 1, 1, IN]), y = tensor(t, [N, 2, 2, UNITS]);
    const p = (await model.predict(x)).data;
    const ref = binaryCrossentropy(t, p, { float32Clip: true });
    const { gradients, loss } = await model.computeGradients(x, y);
    expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-6 * ref.loss);
    // dL/dz = sum over the 4 copies of dL/dp * sigmoid'(z) = dL/dp * p (1 - p).
    const dBias = new Float64Array(UNITS);
    for (let i = 0; i < p.length; i++) dBias[i % UNITS] += ref.grad[i] * p[i] * (1 - p[i]);
    expect([dBias[0], dBias[1]]).toEqual([0, 0]);
    expect(Math.abs(dBias[2])).toBeGreaterThan(0.05);
    expectClose(gradients[1].data, dBias, 1e-5, 1e-9, 'dL/dbias');
    model.dispose();
  });
});

// The loss is computed in f32 (assembly/log.ts: Cephes' logf, 4 lanes in SIMD builds, the same operations
// in the scalar tail and the scalar build). 7 units per sample: the SIMD build runs one 4-lane step and a
// 3-element scalar tail. Each round puts one (p, t) in every unit, so the mean is that element's loss and
// is checked on its own; then mixed rounds check that every lane and the tail agree with the scalar build.
test('BCE per element over p in [1e-7, 1 - 1e-7] (log-spaced toward both ends): within 3e-7 of f64 (1.3e-7 seen), SIMD = scalar bit for bit', async () => {
  const U = 7, count = 210;
  const rng = (i: number) => ((i * 2654435761) >>> 0) / 2 ** 32;
  const ps: number[] = [], ts: number[] = [];
  for (let i = 0; i < count; i++) {
    const q = Math.min(0.5, 10 ** (-7 * rng(3 * i + 1)));               // 1e-7 .. 0.5, mirrored half the time
    ps.push(Math.fround(rng(3 * i + 2) < 0.5 ? q : 1 - q));
    ts.push([0, 1, Math.fround(rng(3 * i + 3))][i % 3]);
  }
  const x = tensor(Float32Array.of(0), [1, 1]);
  const mixed: Record<string, number[]> = {};
  for (const variant of VARIANTS) {
    const model = new Sequential({ inputShape: [1], variant, threads: 1 }, [layers.dense({ units: U, activation: 'linear' })]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const lossOf = async (p: number[], t: number[]) => {
      model.setWeights([new Float32Array(U), Float32Array.from(p)]);
      return model.evaluate(x, tensor(Float32Array.from(t), [1, U]));
    };
    for (let i = 0; i < count; i++) {
      const loss = await lossOf(Array(U).fill(ps[i]), Array(U).fill(ts[i]));
      const want = binaryCrossentropy([ts[i]], [ps[i]], { float32Clip: true }).loss;
      if (!(Math.abs(loss - want) <= 3e-7 * want)) throw new Error(`${variant}: p ${ps[i]}, t ${ts[i]}: got ${loss}, want ${want}`);
    }
    mixed[variant] = [];
    for (let r = 0; r + U <= count; r += U) mixed[variant].push(await lossOf(ps.slice(r, r + U), ts.slice(r, r + U)));
    model.dispose();
  }
  expect(mixed.simd).toHaveLength(count / U);
  expect(mixed.simd).toEqual(mixed.scalar);
});

// A NaN prediction (inf - inf inside a dense layer with finite inputs and weights) makes the cross-entropy
// NaN instead of being clipped, whether it falls in a 4-lane step or in the scalar tail, in both builds.
test.each(VARIANTS)('%s build: a NaN prediction in one lane, or in the tail, makes the BCE loss NaN', async (variant) => {
  const U = 7;
  const model = new Sequential({ inputShape: [2], variant, threads: 1 }, [layers.dense({ units: U, activation: 'linear' })]);
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const x = tensor(Float32Array.of(1e30, 1e30), [1, 2]), y = tensor(new Float32Array(U).fill(0.5), [1, U]);
  for (const j of [2, 5]) {   // lane 2 of the vector step, element 1 of the 3-element tail
    const kernel = new Float32Array(2 * U);
    kernel[j] = 1e30; kernel[U + j] = -1e30;   // 1e30·1e30 - 1e30·1e30 = inf - inf
    model.setWeights([kernel, new Float32Array(U).fill(0.5)]);
    const p = (await model.predict(x)).data;
    expect(Array.from(p, (v, i) => (i === j ? Number.isNaN(v) : v === 0.5))).toEqual(new Array(U).fill(true));
    expect(await model.evaluate(x, y)).toBeNaN();
  }
  model.dispose();
});
