/**
 * The f64 Conv2DTranspose reference: finite differences of its backward, its forward as the exact
 * adjoint of the conv2d reference (<convT(x), z> = <x, conv2d(z)>), and TF.js's layer (cpu, float32) on
 * odd and even kernels and strides, 'same' and 'valid' (Keras's output sizes and TF's padding).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dForward } from './conv2d.js';
import { conv2dTransposeForward, conv2dTransposeBackward, conv2dTransposeGeometry, type Conv2DTransposeOptions } from './conv2d-transpose.js';
import type { Shape4 } from './conv2d.js';
import { assertClose, gather, mulberry32, numericGradient, randomArray } from './gradcheck.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

export const TRANSPOSE_CASES: Array<[string, Shape4, Conv2DTransposeOptions]> = [
  ['3x3 s2 same (keras.io decoder)', { N: 2, H: 4, W: 5, C: 3 }, { KH: 3, KW: 3, F: 2, SH: 2, SW: 2, padding: 'same' }],
  ['3x3 s2 valid', { N: 1, H: 3, W: 4, C: 2 }, { KH: 3, KW: 3, F: 3, SH: 2, SW: 2, padding: 'valid' }],
  ['3x3 s1 same', { N: 2, H: 5, W: 3, C: 2 }, { KH: 3, KW: 3, F: 2, SH: 1, SW: 1, padding: 'same' }],
  ['3x3 s1 valid', { N: 1, H: 4, W: 3, C: 2 }, { KH: 3, KW: 3, F: 2, SH: 1, SW: 1, padding: 'valid' }],
  ['2x2 s2 same (even kernel = stride)', { N: 2, H: 3, W: 4, C: 2 }, { KH: 2, KW: 2, F: 3, SH: 2, SW: 2, padding: 'same' }],
  ['4x4 s2 same (even, pad 1 each side)', { N: 1, H: 3, W: 3, C: 2 }, { KH: 4, KW: 4, F: 2, SH: 2, SW: 2, padding: 'same' }],
  ['4x2 s(2,1) same', { N: 1, H: 3, W: 4, C: 2 }, { KH: 4, KW: 2, F: 2, SH: 2, SW: 1, padding: 'same' }],
  ['2x2 s1 same (odd pad after)', { N: 1, H: 3, W: 4, C: 1 }, { KH: 2, KW: 2, F: 2, SH: 1, SW: 1, padding: 'same' }],
  ['5x5 s3 same', { N: 1, H: 3, W: 2, C: 2 }, { KH: 5, KW: 5, F: 2, SH: 3, SW: 3, padding: 'same' }],
  ['2x2 s3 valid (kernel < stride)', { N: 1, H: 3, W: 2, C: 2 }, { KH: 2, KW: 2, F: 2, SH: 3, SW: 3, padding: 'valid' }],
  ['1x1 s2 same', { N: 1, H: 3, W: 3, C: 3 }, { KH: 1, KW: 1, F: 2, SH: 2, SW: 2, padding: 'same' }],
];

describe('conv2dTranspose reference', () => {
  test('output sizes and padding: Keras deconv_output_length, TF padding of the adjoint conv', () => {
    const g = (H: number, o: Partial<Conv2DTransposeOptions>) => conv2dTransposeGeometry({ N: 1, H, W: H, C: 1 }, { KH: 3, KW: 3, F: 1, SH: 2, SW: 2, padding: 'same', ...o });
    expect(g(7, {})).toEqual({ OH: 14, OW: 14, padTop: 0, padLeft: 0 });          // total max(3-2,0) = 1: after
    expect(g(7, { padding: 'valid' })).toEqual({ OH: 15, OW: 15, padTop: 0, padLeft: 0 });
    expect(g(3, { KH: 4, KW: 4 })).toEqual({ OH: 6, OW: 6, padTop: 1, padLeft: 1 });
    expect(g(3, { KH: 2, KW: 2, SH: 3, SW: 3, padding: 'valid' })).toEqual({ OH: 9, OW: 9, padTop: 0, padLeft: 0 });
    expect(g(4, { SH: 1, SW: 1 })).toEqual({ OH: 4, OW: 4, padTop: 1, padLeft: 1 });
  });

  test.each(TRANSPOSE_CASES)('finite differences: %s', (_n, xs, o) => {
    const rng = mulberry32(4321);
    const x = randomArray(xs.N * xs.H * xs.W * xs.C, rng);
    const w = randomArray(o.KH * o.KW * o.F * xs.C, rng);
    const b = randomArray(o.F, rng);
    const r = randomArray(conv2dTransposeForward(x, xs, w, b, o).y.length, rng);   // L = Σ y·r, dL/dy = r
    const L = () => dot(conv2dTransposeForward(x, xs, w, b, o).y, r);
    const g = conv2dTransposeBackward(x, xs, w, r, o);
    for (const [name, v, an] of [['dx', x, g.dx], ['dw', w, g.dw], ['db', b, g.db]] as const) {
      const { indices, grad } = numericGradient(L, v, 1e-3, { maxEntries: 60, seed: 3 });
      assertClose(gather(an, indices), grad, { rtol: 1e-7, atol: 1e-9 }, name);
    }
  });

  test.each(TRANSPOSE_CASES)('adjoint of the conv2d reference: %s', (_n, xs, o) => {
    const rng = mulberry32(99);
    const x = randomArray(xs.N * xs.H * xs.W * xs.C, rng);
    const w = randomArray(o.KH * o.KW * o.F * xs.C, rng);
    const y = conv2dTransposeForward(x, xs, w, null, o);
    const z = randomArray(y.y.length, rng);
    // conv2d from the output size back to the input: HWIO kernel [KH, KW, F, C] is the same array.
    const back = conv2dForward(z, y.shape, w, null, { KH: o.KH, KW: o.KW, OC: xs.C, SH: o.SH, SW: o.SW, padding: o.padding });
    expect(back.shape).toEqual(xs);
    expect(Math.abs(dot(y.y, z) - dot(x, back.y))).toBeLessThan(1e-10 * (1 + Math.abs(dot(y.y, z))));
  });

  test('the finite-difference check catches a wrong backward (kernel channels swapped)', () => {
    const [, xs, o] = TRANSPOSE_CASES[0];
    const rng = mulberry32(5);
    const x = randomArray(xs.N * xs.H * xs.W * xs.C, rng), w = randomArray(o.KH * o.KW * o.F * xs.C, rng);
    const r = randomArray(conv2dTransposeForward(x, xs, w, null, o).y.length, rng);
    const wrong = conv2dTransposeBackward(x, xs, Float64Array.from(w).reverse(), r, o).dx;
    const { indices, grad } = numericGradient(() => dot(conv2dTransposeForward(x, xs, w, null, o).y, r), x, 1e-3);
    expect(() => assertClose(gather(wrong, indices), grad, { rtol: 1e-6, atol: 1e-9 }, 'dx')).toThrow(/dx/);
  });
});

describe('conv2dTranspose reference vs TF.js tf.layers.conv2dTranspose', () => {
  beforeAll(async () => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
  });

  test.each(TRANSPOSE_CASES)('%s', (_n, xs, o) => {
    const rng = mulberry32(8);
    const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
    const x = f32(randomArray(xs.N * xs.H * xs.W * xs.C, rng));
    const w = f32(randomArray(o.KH * o.KW * o.F * xs.C, rng));
    const b = f32(randomArray(o.F, rng));
    const ref = conv2dTransposeForward(x, xs, w, b, o);
    const layer = tf.layers.conv2dTranspose({ filters: o.F, kernelSize: [o.KH, o.KW], strides: [o.SH, o.SW], padding: o.padding });
    const xT = tf.tensor4d(Float32Array.from(x), [xs.N, xs.H, xs.W, xs.C]);
    layer.apply(xT);
    layer.setWeights([tf.tensor4d(Float32Array.from(w), [o.KH, o.KW, o.F, xs.C]), tf.tensor1d(Float32Array.from(b))]);
    const y = layer.apply(xT) as tf.Tensor;
    expect(y.shape).toEqual([ref.shape.N, ref.shape.H, ref.shape.W, ref.shape.C]);
    assertClose(Float64Array.from(y.dataSync()), ref.y, { rtol: 2e-5, atol: 2e-6 }, 'y');
    tf.dispose([xT, y]);
  });
});
