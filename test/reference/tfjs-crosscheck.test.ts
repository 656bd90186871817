/**
 * Cross-check of the f64 reference against TensorFlow.js 4.x (devDependency, cpu backend, float32).
 * This pins the reference to the real TF semantics it claims (SAME padding placement, pool
 * tie-breaking and -inf padding, HWIO layout, loss clipping, optimizer equations and the
 * tfjs-layers string defaults). Tolerances are float32-sized.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dForward, conv2dBackward, type Conv2DOptions, type Shape4 } from './conv2d.js';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward, type Pool2DOptions } from './pool.js';
import { upsample2dForward, upsample2dBackward } from './upsample.js';
import { denseForward, denseBackward } from './dense.js';
import { activationForward, activationBackward, type ActivationName } from './activations.js';
import { binaryCrossentropy, meanSquaredError, meanAbsoluteError } from './losses.js';
import {
  TFJS_LAYERS_OPTIMIZER_DEFAULTS,
  sgdStep,
  momentumStep,
  createMomentumState,
  adagradStep,
  createAdagradState,
  adadeltaStep,
  createAdadeltaState,
  adamStep,
  createAdamState,
  rmspropStep,
  createRmspropState,
} from './optimizers.js';
import { assertClose, mulberry32, randomArray } from './gradcheck.js';

const TOL = { rtol: 2e-5, atol: 2e-6 };

/** Round to float32 so that both sides see exactly the same inputs. */
function f32(a: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(a));
}
function t4(a: Float64Array, s: Shape4): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(a), [s.N, s.H, s.W, s.C]);
}
function data(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

beforeAll(async () => {
  tf.enableProdMode(); // silences the "install tfjs-node" console warning
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('conv2d vs tf.conv2d', () => {
  const cases: Array<[string, Shape4, Conv2DOptions]> = [
    ['3x3 s1 same', { N: 2, H: 5, W: 7, C: 3 }, { KH: 3, KW: 3, OC: 2, SH: 1, SW: 1, padding: 'same' }],
    ['2x2 s2 same', { N: 2, H: 5, W: 7, C: 2 }, { KH: 2, KW: 2, OC: 3, SH: 2, SW: 2, padding: 'same' }],
    ['4x4 s2 same', { N: 1, H: 5, W: 7, C: 1 }, { KH: 4, KW: 4, OC: 1, SH: 2, SW: 2, padding: 'same' }],
    ['2x3 s(2,1) valid', { N: 2, H: 5, W: 7, C: 2 }, { KH: 2, KW: 3, OC: 2, SH: 2, SW: 1, padding: 'valid' }],
    ['5x5 s3 same', { N: 1, H: 5, W: 7, C: 2 }, { KH: 5, KW: 5, OC: 2, SH: 3, SW: 3, padding: 'same' }],
  ];
  test.each(cases)('%s', (_n, xs, o) => {
    const rng = mulberry32(77);
    const x = f32(randomArray(xs.N * xs.H * xs.W * xs.C, rng));
    const w = f32(randomArray(o.KH * o.KW * xs.C * o.OC, rng));
    const b = f32(randomArray(o.OC, rng));
    const ref = conv2dForward(x, xs, w, b, o);
    const r = f32(randomArray(ref.y.length, rng));
    const back = conv2dBackward(x, xs, w, r, o);

    const yShape = [ref.shape.N, ref.shape.H, ref.shape.W, ref.shape.C];
    const rT = tf.tensor(Float32Array.from(r), yShape);
    const f = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) =>
      tf.add(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, [o.SH, o.SW], o.padding), bt);
    const xT = t4(x, xs);
    const wT = tf.tensor4d(Float32Array.from(w), [o.KH, o.KW, xs.C, o.OC]);
    const bT = tf.tensor1d(Float32Array.from(b));
    const y = f(xT, wT, bT);
    expect(y.shape).toEqual(yShape);
    assertClose(data(y), ref.y, TOL, 'conv y');
    const [dx, dw, db] = tf.grads((a, c, d) => tf.sum(tf.mul(f(a, c, d), rT)))([xT, wT, bT]);
    assertClose(data(dx), back.dx, TOL, 'conv dx');
    assertClose(data(dw), back.dw, TOL, 'conv dw');
    assertClose(data(db), back.db, TOL, 'conv db');
  });
});

describe('maxPool2d vs tf.maxPool', () => {
  const cases: Array<[string, Shape4, Pool2DOptions]> = [
    ['2x2 s2 same odd', { N: 2, H: 5, W: 7, C: 2 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s1 same', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' }],
    ['3x3 s2 valid', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 2, SW: 2, padding: 'valid' }],
  ];
  test.each(cases)('%s', (_n, s, o) => {
    const rng = mulberry32(78);
    const x = f32(randomArray(s.N * s.H * s.W * s.C, rng, -2, -1)); // all negative: padding must not win
    const ref = maxPool2dForward(x, s, o);
    const r = f32(randomArray(ref.y.length, rng));
    const f = (xt: tf.Tensor) => tf.maxPool(xt as tf.Tensor4D, [o.PH, o.PW], [o.SH, o.SW], o.padding);
    const xT = t4(x, s);
    assertClose(data(f(xT)), ref.y, TOL, 'pool y');
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), tf.tensor(Float32Array.from(r), f(a).shape))))(xT);
    assertClose(data(dx), maxPool2dBackward(x, s, r, o).dx, TOL, 'pool dx');
  });

  test('ties (integer-valued input with many equal values)', () => {
    const s = { N: 1, H: 5, W: 6, C: 1 };
    const rng = mulberry32(5);
    const x = Float64Array.from({ length: 30 }, () => Math.floor(rng() * 3));
    for (const o of [
      { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' },
      { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' },
    ] as Pool2DOptions[]) {
      const r = Float64Array.from({ length: maxPool2dForward(x, s, o).y.length }, (_, i) => i + 1);
      const f = (xt: tf.Tensor) => tf.maxPool(xt as tf.Tensor4D, [o.PH, o.PW], [o.SH, o.SW], o.padding);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), tf.tensor(Float32Array.from(r), f(a).shape))))(t4(x, s));
      expect(Array.from(data(dx))).toEqual(Array.from(maxPool2dBackward(x, s, r, o).dx));
    }
  });
});

describe('avgPool2d vs tf.avgPool', () => {
  const cases: Array<[string, Shape4, Pool2DOptions]> = [
    ['2x2 s2 same odd', { N: 2, H: 5, W: 7, C: 2 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s1 same', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' }],
    ['3x3 s2 valid', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 2, SW: 2, padding: 'valid' }],
    ['2x2 s2 same even (no padding)', { N: 1, H: 6, W: 4, C: 3 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' }],
  ];
  const f = (o: Pool2DOptions) => (xt: tf.Tensor) => tf.avgPool(xt as tf.Tensor4D, [o.PH, o.PW], [o.SH, o.SW], o.padding);
  test.each(cases)('forward: %s', (_n, s, o) => {
    const x = f32(randomArray(s.N * s.H * s.W * s.C, mulberry32(80), -2, -1));   // all negative: a padded 0 would show
    assertClose(data(f(o)(t4(x, s))), avgPool2dForward(x, s, o).y, TOL, 'avg pool y');
  });

  // TF.js cpu's AvgPoolGrad multiplies every dy by 1 / (PH * PW), also where 'same' padding made the
  // window smaller, so its dx is not the gradient of its own forward there. Where no window holds
  // padding the two agree; elsewhere ours follows the forward (finite differences above) and TF's
  // AvgPoolGrad (which divides by the real count); TF.js's is shown, not copied.
  test.each(cases)('backward: %s', (name, s, o) => {
    const rng = mulberry32(81);
    const x = f32(randomArray(s.N * s.H * s.W * s.C, rng));
    const ref = avgPool2dForward(x, s, o);
    const r = f32(randomArray(ref.y.length, rng));
    const dx = data(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(o)(a), tf.tensor(Float32Array.from(r), f(o)(a).shape))))(t4(x, s)));
    const ours = avgPool2dBackward(s, r, o).dx;
    const padded = ref.count.some((c) => c !== o.PH * o.PW);
    if (!padded) assertClose(dx, ours, TOL, 'avg pool dx');
    else {
      // TF.js's dx is ours with every window's 1/count replaced by 1/(PH*PW): rebuild it that way.
      const full = avgPool2dBackward(s, r.map((v, i) => v * ref.count[Math.floor(i / s.C) % ref.count.length] / (o.PH * o.PW)), o).dx;
      assertClose(dx, full, TOL, `${name}: TF.js's avgPoolGrad`);
      expect(Math.max(...dx.map((v, i) => Math.abs(v - ours[i])))).toBeGreaterThan(1e-3);
    }
  });
});

test('upsample2d vs tf.layers.upSampling2d', () => {
  const layer = tf.layers.upSampling2d({ size: [2, 3] });
  const f = (a: tf.Tensor) => layer.apply(a) as tf.Tensor;
  const rng = mulberry32(79);
  // Backward compared with N = 1 only: tfjs-backend-cpu 4.22 ResizeNearestNeighborGrad offsets dy by
  // the IMAGE batch stride (b * H*W*C instead of b * OH*OW*C), so its dx is wrong for batch > 0.
  for (const s of [
    { N: 2, H: 3, W: 4, C: 2 },
    { N: 1, H: 3, W: 5, C: 2 },
  ]) {
    const x = f32(randomArray(s.N * s.H * s.W * s.C, rng));
    const ref = upsample2dForward(x, s, 2, 3);
    const xT = t4(x, s);
    assertClose(data(f(xT)), ref.y, TOL, 'upsample y');
    if (s.N !== 1) continue;
    const r = f32(randomArray(ref.y.length, rng));
    const yShape = [s.N, s.H * 2, s.W * 3, s.C];
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), tf.tensor(Float32Array.from(r), yShape))))(xT);
    assertClose(data(dx), upsample2dBackward(r, s, 2, 3).dx, TOL, 'upsample dx');
  }
});

test('dense vs tf.matMul + bias', () => {
  const shape = { N: 3, IN: 5, OUT: 4 };
  const rng = mulberry32(80);
  const x = f32(randomArray(15, rng));
  const w = f32(randomArray(20, rng));
  const b = f32(randomArray(4, rng));
  const r = f32(randomArray(12, rng));
  const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d);
  const xT = tf.tensor2d(Float32Array.from(x), [3, 5]);
  const wT = tf.tensor2d(Float32Array.from(w), [5, 4]);
  const bT = tf.tensor1d(Float32Array.from(b));
  assertClose(data(f(xT, wT, bT)), denseForward(x, shape, w, b).y, TOL, 'dense y');
  const [dx, dw, db] = tf.grads((a, c, d) => tf.sum(tf.mul(f(a, c, d), tf.tensor2d(Float32Array.from(r), [3, 4]))))([
    xT,
    wT,
    bT,
  ]);
  const g = denseBackward(x, shape, w, r);
  assertClose(data(dx), g.dx, TOL, 'dense dx');
  assertClose(data(dw), g.dw, TOL, 'dense dw');
  assertClose(data(db), g.db, TOL, 'dense db');
});

test.each(['relu', 'sigmoid', 'tanh', 'linear'] as ActivationName[])('activation %s vs tf', (name) => {
  const rng = mulberry32(81);
  const x = f32(randomArray(30, rng, -3, 3));
  x[0] = 0; // relu at exactly 0: TF's derivative is step(0) = 0
  const r = f32(randomArray(30, rng));
  const act = (a: tf.Tensor) => tf.layers.activation({ activation: name }).apply(a) as tf.Tensor;
  const xT = tf.tensor1d(Float32Array.from(x));
  const y = activationForward(name, x);
  assertClose(data(act(xT)), y, TOL, `${name} y`);
  const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(act(a), tf.tensor1d(Float32Array.from(r)))))(xT);
  assertClose(data(dx), activationBackward(name, r, y), TOL, `${name} dx`);
});

describe('losses vs tf.metrics (tfjs-layers losses)', () => {
  const rng = mulberry32(82);
  const t = f32(randomArray(24, rng, 0, 1));
  for (let i = 0; i < 8; i++) t[i] = i % 2;
  const p = f32(randomArray(24, rng, 0.05, 0.95));
  p[10] = 0; // clipped
  p[11] = 1;
  p[12] = -0.2;
  const shape: [number, number] = [4, 6];
  type M = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  type R = (t: ArrayLike<number>, p: ArrayLike<number>) => { loss: number; grad: Float64Array };
  // float32Clip: TF.js stores the upper clip bound 1 - 1e-7 as float32 0.99999988 (see losses.ts)
  const bceF32: R = (tt, pp) => binaryCrossentropy(tt, pp, { float32Clip: true });
  const cases: Array<[string, M, R, number]> = [
    ['binaryCrossentropy', tf.metrics.binaryCrossentropy as M, bceF32, 1e-4],
    ['meanSquaredError', tf.metrics.meanSquaredError as M, meanSquaredError, 2e-5],
    ['meanAbsoluteError', tf.metrics.meanAbsoluteError as M, meanAbsoluteError, 2e-5],
  ];
  test.each(cases)('%s', (_n, metric, ref, rtol) => {
    const tT = tf.tensor2d(Float32Array.from(t), shape);
    const pT = tf.tensor2d(Float32Array.from(p), shape);
    const L = (a: tf.Tensor) => tf.mean(metric(tT, a)); // per-sample mean over last axis, then batch mean
    const mine = ref(t, p);
    assertClose(L(pT).dataSync()[0], mine.loss, { rtol, atol: 1e-6 }, 'loss');
    assertClose(data(tf.grad(L)(pT)), mine.grad, { rtol, atol: 1e-6 }, 'grad');
  });
});

describe('optimizers vs tf.train (5 steps, random gradients)', () => {
  function run(
    make: () => tf.Optimizer,
    step: (p: Float64Array, g: Float64Array) => void,
    p0: Float64Array,
    gradsSeq: Float64Array[],
  ): void {
    const opt = make();
    const v = tf.variable(tf.tensor1d(Float32Array.from(p0)));
    const p = Float64Array.from(p0);
    for (const g of gradsSeq) {
      opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(Float32Array.from(g)) }]);
      step(p, g);
    }
    // atol 1e-5: TF.js holds beta1/beta2 etc. as float32 (0.999 -> 0.99900001, so 1 - accBeta2 is off
    // by 1.3e-5 relative), which moves Adam's steps by ~6e-6 relative: ~2e-6 after 5 steps of 0.05.
    assertClose(data(v), p, { rtol: 1e-4, atol: 1e-5 }, opt.getClassName());
    opt.dispose();
    v.dispose();
  }
  const rng = mulberry32(83);
  const p0 = f32(randomArray(8, rng));
  const grads = Array.from({ length: 5 }, () => f32(randomArray(8, rng, -2, 2)));

  test('sgd', () => run(() => tf.train.sgd(0.1), (p, g) => sgdStep(p, g, { learningRate: 0.1 }), p0, grads));
  test.each([false, true])('momentum nesterov=%s', (nes) => {
    const s = createMomentumState(8);
    run(
      () => tf.train.momentum(0.1, 0.9, nes),
      (p, g) => momentumStep(p, g, s, { learningRate: 0.1, momentum: 0.9, useNesterov: nes }),
      p0,
      grads,
    );
  });
  test('adagrad', () => {
    const s = createAdagradState(8, 0.1);
    run(() => tf.train.adagrad(0.1), (p, g) => adagradStep(p, g, s, { learningRate: 0.1 }), p0, grads);
  });
  test('adadelta (lr 1, rho 0.95)', () => {
    const s = createAdadeltaState(8);
    const cfg = TFJS_LAYERS_OPTIMIZER_DEFAULTS.adadelta;
    run(() => tf.train.adadelta(cfg.learningRate, cfg.rho, cfg.epsilon), (p, g) => adadeltaStep(p, g, s, cfg), p0, grads);
  });
  test('adam', () => {
    const cfg = { learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const s = createAdamState(8, cfg);
    run(() => tf.train.adam(0.05, 0.9, 0.999, 1e-7), (p, g) => adamStep(p, g, s, cfg), p0, grads);
  });
  test.each([false, true])('rmsprop centered=%s', (centered) => {
    const cfg = { learningRate: 0.01, decay: 0.9, momentum: 0.5, epsilon: 1e-7, centered };
    const s = createRmspropState(8);
    run(() => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, centered), (p, g) => rmspropStep(p, g, s, cfg), p0, grads);
  });

  test('tfjs-layers string optimizer defaults', () => {
    const names = ['sgd', 'adagrad', 'adadelta', 'adam', 'rmsprop'] as const;
    for (const name of names) {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
      model.compile({ optimizer: name, loss: 'meanSquaredError' });
      const cfg = model.optimizer.getConfig() as Record<string, unknown>;
      const expected = TFJS_LAYERS_OPTIMIZER_DEFAULTS[name] as Record<string, unknown>;
      for (const key of Object.keys(cfg)) {
        expect([name, key, expected[key]]).toEqual([name, key, cfg[key]]);
      }
      model.dispose();
    }
  });
});
