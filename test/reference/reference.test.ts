/**
 * Tests of the f64 reference ops themselves: hand-computed tiny cases (layouts, TF padding,
 * tie-breaking, optimizer equations) and finite-difference checks of every backward.
 */
import { convOutputSize, samePadding, padInfo } from './padding.js';
import { conv2dForward, conv2dBackward, type Conv2DOptions, type Shape4 } from './conv2d.js';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward, type Pool2DOptions } from './pool.js';
import { upsample2dForward, upsample2dBackward } from './upsample.js';
import { denseForward, denseBackward } from './dense.js';
import {
  activationForward,
  activationBackward,
  reluForward,
  reluBackward,
  sigmoidForward,
  sigmoidBackward,
  tanhForward,
  tanhBackward,
  linearForward,
  linearBackward,
  type ActivationName,
} from './activations.js';
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
import {
  numericGradient,
  relativeError,
  assertClose,
  mulberry32,
  randomArray,
  gather,
} from './gradcheck.js';

const F = (...v: number[]): Float64Array => Float64Array.from(v);

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error('dot: length mismatch');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Compares an analytic gradient against central differences of f w.r.t. `values`. */
function checkGrad(
  label: string,
  f: () => number,
  values: Float64Array,
  analytic: Float64Array,
  eps: number,
  tol: { rtol: number; atol: number },
  maxEntries?: number,
): void {
  expect(analytic.length).toBe(values.length);
  const { indices, grad } = numericGradient(f, values, eps, { maxEntries, seed: 7 });
  assertClose(gather(analytic, indices), grad, tol, label);
}

// ------------------------------------------------------------------------------------------------
describe('padding (TF semantics)', () => {
  test('output sizes', () => {
    expect(convOutputSize(28, 3, 1, 'same')).toBe(28);
    expect(convOutputSize(28, 3, 1, 'valid')).toBe(26);
    expect(convOutputSize(5, 2, 2, 'same')).toBe(3); // ceil(5/2)
    expect(convOutputSize(5, 2, 2, 'valid')).toBe(2); // ceil(4/2)
    expect(convOutputSize(5, 3, 2, 'valid')).toBe(2); // ceil(3/2)
    expect(convOutputSize(7, 2, 2, 'same')).toBe(4);
    expect(convOutputSize(7, 7, 3, 'valid')).toBe(1);
    expect(() => convOutputSize(3, 4, 1, 'valid')).toThrow();
  });

  test('SAME padding puts the odd extra on bottom/right', () => {
    // in=5, k=2, s=2: out=3, total=(3-1)*2+2-5=1 -> before 0, after 1
    expect(samePadding(5, 2, 2)).toEqual({ before: 0, after: 1 });
    // in=5, k=3, s=2: out=3, total=4+3-5=2 -> 1, 1
    expect(samePadding(5, 3, 2)).toEqual({ before: 1, after: 1 });
    // in=6, k=3, s=2: out=3, total=4+3-6=1 -> 0, 1
    expect(samePadding(6, 3, 2)).toEqual({ before: 0, after: 1 });
    // in=4, k=4, s=1: out=4, total=3+4-4=3 -> 1, 2
    expect(samePadding(4, 4, 1)).toEqual({ before: 1, after: 2 });
    // in=28, k=3, s=1: total 2 -> 1, 1
    expect(samePadding(28, 3, 1)).toEqual({ before: 1, after: 1 });
    // in=6, k=2, s=2: out=3, total=4+2-6=0 -> 0, 0
    expect(samePadding(6, 2, 2)).toEqual({ before: 0, after: 0 });
    // in=2, k=1, s=3: out=1, total=max(0+1-2, 0)=0
    expect(samePadding(2, 1, 3)).toEqual({ before: 0, after: 0 });
    expect(padInfo(5, 3, 1, 'valid')).toEqual({ out: 3, before: 0, after: 0 });
  });
});

// ------------------------------------------------------------------------------------------------
describe('conv2d hand-computed', () => {
  // x (1x3x3x1) =   1 2 3      kernel (2x2x1x1) = 1 2     (w[kh][kw]: w[0][1]=2, w[1][0]=3)
  //                 4 5 6                         3 4
  //                 7 8 9
  const x = F(1, 2, 3, 4, 5, 6, 7, 8, 9);
  const xShape = { N: 1, H: 3, W: 3, C: 1 };
  const w = F(1, 2, 3, 4);

  test('3x3 input, 2x2 kernel, valid, bias 1', () => {
    // y00 = 1*1 + 2*2 + 4*3 + 5*4 = 37;  y01 = 2*1 + 3*2 + 5*3 + 6*4 = 47
    // y10 = 4*1 + 5*2 + 7*3 + 8*4 = 67;  y11 = 5*1 + 6*2 + 8*3 + 9*4 = 77;  +1 bias each
    const r = conv2dForward(x, xShape, w, F(1), { KH: 2, KW: 2, OC: 1, SH: 1, SW: 1, padding: 'valid' });
    expect(r.shape).toEqual({ N: 1, H: 2, W: 2, C: 1 });
    expect(Array.from(r.y)).toEqual([38, 48, 68, 78]);
  });

  test('3x3 input, 2x2 kernel, same: padding only on bottom/right', () => {
    // total pad = 1 -> before 0, after 1. Windows start at the real pixel (oh, ow).
    // row 0: 37, 47, y02 = 3*1 + 6*3 = 21
    // row 1: 67, 77, y12 = 6*1 + 9*3 = 33
    // row 2: y20 = 7*1 + 8*2 = 23, y21 = 8*1 + 9*2 = 26, y22 = 9*1 = 9
    const r = conv2dForward(x, xShape, w, null, { KH: 2, KW: 2, OC: 1, SH: 1, SW: 1, padding: 'same' });
    expect(r.shape).toEqual({ N: 1, H: 3, W: 3, C: 1 });
    expect(Array.from(r.y)).toEqual([37, 47, 21, 67, 77, 33, 23, 26, 9]);
  });

  test('5x5 input, even kernel 2, stride 2, same: extra padding bottom/right', () => {
    // x[h][w] = 10h + w, kernel of ones: y = sum over window rows {2oh, 2oh+1} ∩ [0,4], same for cols.
    // e.g. y00 = 0+1+10+11 = 22, y02 = 4+14 = 18, y20 = 40+41 = 81, y22 = 44.
    // (with top/left padding instead, y00 would be x00 = 0.)
    const x5 = new Float64Array(25);
    for (let h = 0; h < 5; h++) for (let ww = 0; ww < 5; ww++) x5[h * 5 + ww] = 10 * h + ww;
    const r = conv2dForward(x5, { N: 1, H: 5, W: 5, C: 1 }, F(1, 1, 1, 1), null, {
      KH: 2,
      KW: 2,
      OC: 1,
      SH: 2,
      SW: 2,
      padding: 'same',
    });
    expect(r.shape).toEqual({ N: 1, H: 3, W: 3, C: 1 });
    expect(Array.from(r.y)).toEqual([22, 30, 18, 102, 110, 58, 81, 85, 44]);
  });

  test('HWIO channel layout and NHWC batch layout', () => {
    // 1x1 kernel, C=2, OC=3: w[c][oc] at c*3 + oc:  w = [[1, 2, 3], [4, 5, 6]]
    // pixel (x0, x1) -> (x0 + 4x1, 2x0 + 5x1, 3x0 + 6x1) + b
    // N=2, H=1, W=2: pixels [1,0], [0,1] (n=0) and [1,1], [2,-1] (n=1)
    const xs = F(1, 0, 0, 1, 1, 1, 2, -1);
    const r = conv2dForward(xs, { N: 2, H: 1, W: 2, C: 2 }, F(1, 2, 3, 4, 5, 6), F(0, 10, 100), {
      KH: 1,
      KW: 1,
      OC: 3,
      SH: 1,
      SW: 1,
      padding: 'valid',
    });
    expect(r.shape).toEqual({ N: 2, H: 1, W: 2, C: 3 });
    expect(Array.from(r.y)).toEqual([1, 12, 103, 4, 15, 106, 5, 17, 109, -2, 9, 100]);
  });

  test('backward hand-computed: 3x3 input, 2x2 kernel, valid', () => {
    // dy = [1, 0; 0, 0] -> only y00 = x00 w00 + x01 w01 + x10 w10 + x11 w11 receives gradient:
    //   dx = w placed at the top-left 2x2 block, dw = top-left 2x2 block of x, db = 1
    const opts: Conv2DOptions = { KH: 2, KW: 2, OC: 1, SH: 1, SW: 1, padding: 'valid' };
    let g = conv2dBackward(x, xShape, w, F(1, 0, 0, 0), opts);
    expect(Array.from(g.dx)).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
    expect(Array.from(g.dw)).toEqual([1, 2, 4, 5]);
    expect(Array.from(g.db)).toEqual([1]);
    // dy = all ones: dx[i] = sum of the kernel taps that touch pixel i; dw[kh][kw] = sum of the
    // 2x2 block of x shifted by (kh, kw): dw00 = 1+2+4+5 = 12, dw01 = 16, dw10 = 24, dw11 = 28
    g = conv2dBackward(x, xShape, w, F(1, 1, 1, 1), opts);
    expect(Array.from(g.dx)).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
    expect(Array.from(g.dw)).toEqual([12, 16, 24, 28]);
    expect(Array.from(g.db)).toEqual([4]);
  });
});

// ------------------------------------------------------------------------------------------------
describe('conv2d finite-difference gradients', () => {
  const cases: Array<[string, Shape4, Conv2DOptions]> = [
    ['3x3 s1 same', { N: 2, H: 5, W: 7, C: 3 }, { KH: 3, KW: 3, OC: 2, SH: 1, SW: 1, padding: 'same' }],
    ['3x3 s1 valid', { N: 2, H: 5, W: 7, C: 3 }, { KH: 3, KW: 3, OC: 2, SH: 1, SW: 1, padding: 'valid' }],
    ['2x2 s2 same (asym pad)', { N: 2, H: 5, W: 7, C: 2 }, { KH: 2, KW: 2, OC: 3, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s2 same', { N: 1, H: 5, W: 7, C: 2 }, { KH: 3, KW: 3, OC: 2, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s2 valid', { N: 1, H: 5, W: 7, C: 2 }, { KH: 3, KW: 3, OC: 2, SH: 2, SW: 2, padding: 'valid' }],
    ['2x3 s(2,1) valid', { N: 2, H: 5, W: 7, C: 2 }, { KH: 2, KW: 3, OC: 2, SH: 2, SW: 1, padding: 'valid' }],
    ['4x4 s2 same C=1 OC=1', { N: 2, H: 5, W: 7, C: 1 }, { KH: 4, KW: 4, OC: 1, SH: 2, SW: 2, padding: 'same' }],
    ['1x1 s2 same', { N: 1, H: 5, W: 7, C: 3 }, { KH: 1, KW: 1, OC: 2, SH: 2, SW: 2, padding: 'same' }],
    ['5x5 s3 same C=1', { N: 1, H: 5, W: 7, C: 1 }, { KH: 5, KW: 5, OC: 2, SH: 3, SW: 3, padding: 'same' }],
    ['3x3 s1 same OC=1', { N: 1, H: 4, W: 4, C: 3 }, { KH: 3, KW: 3, OC: 1, SH: 1, SW: 1, padding: 'same' }],
  ];

  test.each(cases)('%s', (_name, xShape, opts) => {
    const rng = mulberry32(1234);
    const x = randomArray(xShape.N * xShape.H * xShape.W * xShape.C, rng);
    const w = randomArray(opts.KH * opts.KW * xShape.C * opts.OC, rng);
    const b = randomArray(opts.OC, rng);
    const y0 = conv2dForward(x, xShape, w, b, opts);
    const r = randomArray(y0.y.length, rng); // L = sum(y * r)  =>  dL/dy = r
    const L = () => dot(conv2dForward(x, xShape, w, b, opts).y, r);
    const g = conv2dBackward(x, xShape, w, r, opts);
    // L is linear in each of x, w, b: central differences are exact up to rounding.
    const tol = { rtol: 1e-7, atol: 1e-9 };
    checkGrad('dx', L, x, g.dx, 1e-3, tol);
    checkGrad('dw', L, w, g.dw, 1e-3, tol);
    checkGrad('db', L, b, g.db, 1e-3, tol);
  });

  test('the check catches a wrong backward (flipped kernel)', () => {
    const rng = mulberry32(99);
    const xShape = { N: 1, H: 4, W: 5, C: 1 };
    const opts: Conv2DOptions = { KH: 2, KW: 2, OC: 1, SH: 1, SW: 1, padding: 'same' };
    const x = randomArray(20, rng);
    const w = randomArray(4, rng);
    const r = randomArray(20, rng);
    const L = () => dot(conv2dForward(x, xShape, w, null, opts).y, r);
    const flipped = F(w[3], w[2], w[1], w[0]);
    const wrong = conv2dBackward(x, xShape, flipped, r, opts).dx;
    expect(() => checkGrad('dx', L, x, wrong, 1e-3, { rtol: 1e-6, atol: 1e-9 })).toThrow(/dx: .*worst at index/);
  });
});

// ------------------------------------------------------------------------------------------------
describe('maxPool2d', () => {
  const x5 = new Float64Array(25);
  for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) x5[h * 5 + w] = 10 * h + w;
  const shape5 = { N: 1, H: 5, W: 5, C: 1 };
  const p2s2same: Pool2DOptions = { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' };

  test('2x2 s2 same on 5x5: bottom/right padding', () => {
    // windows rows {0,1},{2,3},{4}; x increasing -> max is the bottom-right real element
    const r = maxPool2dForward(x5, shape5, p2s2same);
    expect(r.shape).toEqual({ N: 1, H: 3, W: 3, C: 1 });
    expect(Array.from(r.y)).toEqual([11, 13, 14, 31, 33, 34, 41, 43, 44]);
  });

  test('SAME padding is -infinity: all-negative border windows give the real max, not 0', () => {
    // x = -(10h + w) - 1: decreasing -> max is the top-left element of each window
    const neg = x5.map((v) => -v - 1);
    const r = maxPool2dForward(neg, shape5, p2s2same);
    expect(Array.from(r.y)).toEqual([-1, -3, -5, -21, -23, -25, -41, -43, -45]);
    // 3x3 s1 same: padding on all sides, corner window (-1,-1)..(1,1) -> max x00 = -1
    const r3 = maxPool2dForward(neg, shape5, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' });
    expect(r3.y[0]).toBe(-1);
    expect(r3.y[24]).toBe(-34); // window rows 3..5, cols 3..5 -> real max x33 = -34
  });

  test('ties: first maximal element in row-major window order wins', () => {
    const sh = { N: 1, H: 2, W: 2, C: 1 };
    const o: Pool2DOptions = { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'valid' };
    expect(Array.from(maxPool2dForward(F(5, 5, 5, 5), sh, o).argmax)).toEqual([0]);
    expect(Array.from(maxPool2dBackward(F(5, 5, 5, 5), sh, F(3), o).dx)).toEqual([3, 0, 0, 0]);
    // 7 at (0,1) and (1,0): (0,1) comes first (kh outer, kw inner)
    expect(Array.from(maxPool2dBackward(F(1, 7, 7, 2), sh, F(3), o).dx)).toEqual([0, 3, 0, 0]);
    expect(Array.from(maxPool2dBackward(F(1, 2, 7, 7), sh, F(3), o).dx)).toEqual([0, 0, 3, 0]);
  });

  test('channels pool independently (NHWC)', () => {
    // 1x2x2x2: channel 0 = [1,4,2,3] max 4 at pixel 1; channel 1 = [8,5,6,7] max 8 at pixel 0
    const x = F(1, 8, 4, 5, 2, 6, 3, 7);
    const o: Pool2DOptions = { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'valid' };
    const r = maxPool2dForward(x, { N: 1, H: 2, W: 2, C: 2 }, o);
    expect(Array.from(r.y)).toEqual([4, 8]);
    expect(Array.from(maxPool2dBackward(x, { N: 1, H: 2, W: 2, C: 2 }, F(10, 20), o).dx)).toEqual([
      0, 20, 10, 0, 0, 0, 0, 0,
    ]);
  });

  test('overlapping windows accumulate at a shared argmax', () => {
    // 4x4, global max at (1,2); 3x3 s1 valid -> 4 windows, all contain (1,2)
    const x = F(0, 1, 2, 3, 4, 5, 99, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const sh = { N: 1, H: 4, W: 4, C: 1 };
    const o: Pool2DOptions = { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'valid' };
    expect(Array.from(maxPool2dForward(x, sh, o).y)).toEqual([99, 99, 99, 99]);
    const dx = maxPool2dBackward(x, sh, F(1, 2, 3, 4), o).dx;
    const expected = new Array(16).fill(0);
    expected[6] = 10;
    expect(Array.from(dx)).toEqual(expected);
  });

  const gradCases: Array<[string, Shape4, Pool2DOptions]> = [
    ['2x2 s2 valid', { N: 2, H: 6, W: 4, C: 3 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'valid' }],
    ['2x2 s2 same odd 5x7', { N: 2, H: 5, W: 7, C: 2 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s1 same overlapping', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' }],
    ['3x3 s2 valid overlapping', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 2, SW: 2, padding: 'valid' }],
    ['3x2 s(1,2) same', { N: 1, H: 5, W: 7, C: 1 }, { PH: 3, PW: 2, SH: 1, SW: 2, padding: 'same' }],
  ];
  test.each(gradCases)('finite differences: %s', (_n, shape, opts) => {
    const rng = mulberry32(42);
    const x = randomArray(shape.N * shape.H * shape.W * shape.C, rng);
    const y0 = maxPool2dForward(x, shape, opts);
    const r = randomArray(y0.y.length, rng);
    const L = () => dot(maxPool2dForward(x, shape, opts).y, r);
    const { dx } = maxPool2dBackward(x, shape, r, opts);
    // continuous random inputs: no ties within eps, so the max is locally linear
    checkGrad('pool dx', L, x, dx, 1e-7, { rtol: 1e-6, atol: 1e-8 });
    // every element that wins some window receives gradient; overlap means some get several
    if (opts.SH < opts.PH) {
      const counts = new Map<number, number>();
      for (const i of y0.argmax) counts.set(i, (counts.get(i) ?? 0) + 1);
      expect(Math.max(...counts.values())).toBeGreaterThan(1);
    }
  });
});

// ------------------------------------------------------------------------------------------------
describe('avgPool2d', () => {
  test("2x2 s2 same on 3x3: padding is left out of the mean (TF's AvgPool)", () => {
    // x = 1..9 row by row; windows rows {0,1},{2}, cols {0,1},{2}
    const r = avgPool2dForward(F(1, 2, 3, 4, 5, 6, 7, 8, 9), { N: 1, H: 3, W: 3, C: 1 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' });
    expect(Array.from(r.y)).toEqual([(1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9]);
    expect(Array.from(r.count)).toEqual([4, 2, 2, 1]);
    // backward: each dy over its window's real elements
    const { dx } = avgPool2dBackward({ N: 1, H: 3, W: 3, C: 1 }, F(4, 2, 2, 1), { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' });
    expect(Array.from(dx)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  test('channels stay apart; valid 3x3 s1 on 3x3x2 is the mean of each channel', () => {
    const x = Float64Array.from({ length: 18 }, (_, i) => (i % 2 ? -i : i));
    const r = avgPool2dForward(x, { N: 1, H: 3, W: 3, C: 2 }, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'valid' });
    expect(Array.from(r.y)).toEqual([(0 + 2 + 4 + 6 + 8 + 10 + 12 + 14 + 16) / 9, -(1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17) / 9]);
  });

  const cases: Array<[string, Shape4, Pool2DOptions]> = [
    ['2x2 s2 same odd 5x7', { N: 2, H: 5, W: 7, C: 2 }, { PH: 2, PW: 2, SH: 2, SW: 2, padding: 'same' }],
    ['3x3 s1 same overlapping', { N: 1, H: 5, W: 7, C: 2 }, { PH: 3, PW: 3, SH: 1, SW: 1, padding: 'same' }],
    ['3x3 s2 valid overlapping', { N: 1, H: 5, W: 7, C: 3 }, { PH: 3, PW: 3, SH: 2, SW: 2, padding: 'valid' }],
    ['3x2 s(1,2) same', { N: 1, H: 5, W: 7, C: 1 }, { PH: 3, PW: 2, SH: 1, SW: 2, padding: 'same' }],
  ];
  test.each(cases)('finite differences: %s', (_n, shape, opts) => {
    const rng = mulberry32(43);
    const x = randomArray(shape.N * shape.H * shape.W * shape.C, rng);
    const r = randomArray(avgPool2dForward(x, shape, opts).y.length, rng);
    const L = () => dot(avgPool2dForward(x, shape, opts).y, r);
    checkGrad('avg pool dx', L, x, avgPool2dBackward(shape, r, opts).dx, 1e-3, { rtol: 1e-7, atol: 1e-9 });
  });
});

// ------------------------------------------------------------------------------------------------
describe('upsample2d (nearest)', () => {
  test('hand-computed forward and backward', () => {
    // x: N=1, H=1, W=2, C=2: pixel0 = (1,2), pixel1 = (3,4); factors fh=2, fw=3
    const x = F(1, 2, 3, 4);
    const r = upsample2dForward(x, { N: 1, H: 1, W: 2, C: 2 }, 2, 3);
    expect(r.shape).toEqual({ N: 1, H: 2, W: 6, C: 2 });
    const row = [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4];
    expect(Array.from(r.y)).toEqual([...row, ...row]);
    // dy = 0..23 at ((oh*6 + ow)*2 + c): dx(p0,c0) = 0+2+4+12+14+16 = 48, dx(p0,c1) = 54,
    // dx(p1,c0) = 6+8+10+18+20+22 = 84, dx(p1,c1) = 90
    const dy = Float64Array.from({ length: 24 }, (_, i) => i);
    expect(Array.from(upsample2dBackward(dy, { N: 1, H: 1, W: 2, C: 2 }, 2, 3).dx)).toEqual([48, 54, 84, 90]);
  });

  test.each([
    [2, 2],
    [2, 3],
    [1, 2],
    [3, 1],
  ])('finite differences fh=%i fw=%i', (fh, fw) => {
    const rng = mulberry32(5);
    const shape = { N: 2, H: 3, W: 5, C: 2 };
    const x = randomArray(60, rng);
    const r = randomArray(60 * fh * fw, rng);
    const L = () => dot(upsample2dForward(x, shape, fh, fw).y, r);
    const { dx } = upsample2dBackward(r, shape, fh, fw);
    checkGrad('upsample dx', L, x, dx, 1e-3, { rtol: 1e-7, atol: 1e-9 });
  });
});

// ------------------------------------------------------------------------------------------------
describe('dense', () => {
  test('hand-computed', () => {
    // x = [1, 2], W = [[1,2,3],[4,5,6]], b = [0.5, 0.25, -1]
    // y = [1+8, 2+10, 3+12] + b = [9.5, 12.25, 14]
    const shape = { N: 1, IN: 2, OUT: 3 };
    const w = F(1, 2, 3, 4, 5, 6);
    const r = denseForward(F(1, 2), shape, w, F(0.5, 0.25, -1));
    expect(r.shape).toEqual({ N: 1, OUT: 3 });
    expect(Array.from(r.y)).toEqual([9.5, 12.25, 14]);
    // dy = [1, 0, -1]: dx = dy·Wᵀ = [1-3, 4-6] = [-2, -2]; dW = xᵀdy = [[1,0,-1],[2,0,-2]]; db = dy
    const g = denseBackward(F(1, 2), shape, w, F(1, 0, -1));
    expect(Array.from(g.dx)).toEqual([-2, -2]);
    expect(Array.from(g.dw)).toEqual([1, 0, -1, 2, 0, -2]);
    expect(Array.from(g.db)).toEqual([1, 0, -1]);
  });

  test('finite differences N=3 IN=5 OUT=4', () => {
    const rng = mulberry32(11);
    const shape = { N: 3, IN: 5, OUT: 4 };
    const x = randomArray(15, rng);
    const w = randomArray(20, rng);
    const b = randomArray(4, rng);
    const r = randomArray(12, rng);
    const L = () => dot(denseForward(x, shape, w, b).y, r);
    const g = denseBackward(x, shape, w, r);
    const tol = { rtol: 1e-7, atol: 1e-9 };
    checkGrad('dense dx', L, x, g.dx, 1e-3, tol);
    checkGrad('dense dw', L, w, g.dw, 1e-3, tol);
    checkGrad('dense db', L, b, g.db, 1e-3, tol);
  });
});

// ------------------------------------------------------------------------------------------------
describe('activations', () => {
  test('hand-computed', () => {
    expect(Array.from(reluForward(F(-1, 0, 2)))).toEqual([0, 0, 2]);
    expect(Array.from(reluBackward(F(5, 5, 5), F(0, 0, 2)))).toEqual([0, 0, 5]);
    expect(Array.from(sigmoidForward(F(0)))).toEqual([0.5]);
    assertClose(sigmoidForward(F(2)), 1 / (1 + Math.exp(-2)), { rtol: 1e-15 });
    expect(Array.from(sigmoidBackward(F(1), F(0.5)))).toEqual([0.25]);
    assertClose(tanhForward(F(1)), 0.7615941559557649, { rtol: 1e-15 });
    expect(Array.from(tanhBackward(F(2), F(0.5)))).toEqual([1.5]); // 2 * (1 - 0.25)
    expect(Array.from(linearForward(F(-3, 4)))).toEqual([-3, 4]);
    expect(Array.from(linearBackward(F(7, 8), F(-3, 4)))).toEqual([7, 8]);
  });

  test.each(['relu', 'sigmoid', 'tanh', 'linear'] as ActivationName[])('finite differences: %s', (name) => {
    const rng = mulberry32(3);
    const x = randomArray(40, rng, -3, 3);
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) < 0.05) x[i] += 0.1; // keep relu away from the kink
    const r = randomArray(40, rng);
    const L = () => dot(activationForward(name, x), r);
    const dx = activationBackward(name, r, activationForward(name, x));
    checkGrad(`${name} dx`, L, x, dx, 1e-5, { rtol: 1e-7, atol: 1e-9 });
  });
});

// ------------------------------------------------------------------------------------------------
describe('losses', () => {
  test('binaryCrossentropy hand-computed', () => {
    // t=[1,0], p=[0.5,0.25]: loss = (ln 2 - ln 0.75)/2 = 0.4904146265058631
    // grad = (p - t)/(p(1-p))/2 = [-0.5/0.25/2, 0.25/0.1875/2] = [-1, 2/3]
    const r = binaryCrossentropy(F(1, 0), F(0.5, 0.25));
    assertClose(r.loss, 0.4904146265058631, { rtol: 1e-14 });
    assertClose(r.grad, F(-1, 2 / 3), { rtol: 1e-14 });
  });

  test('binaryCrossentropy clipping: loss uses clipped p, gradient 0 outside [eps, 1-eps]', () => {
    // completely wrong and confident: each element costs -ln(1e-7) = 16.11809565095832
    const r = binaryCrossentropy(F(1, 0, 1, 0), F(0, 1, -0.5, 1.5));
    assertClose(r.loss, 16.11809565095832, { rtol: 1e-12 });
    expect(Array.from(r.grad)).toEqual([0, 0, 0, 0]);
    // exactly at a bound the clip passes the gradient: (1e-7 - 1)/(1e-7 (1 - 1e-7)) = -1e7
    const b = binaryCrossentropy(F(1), F(1e-7));
    assertClose(b.grad, F(-1e7), { rtol: 1e-12 });
    const b2 = binaryCrossentropy(F(0), F(1 - 1e-7));
    assertClose(b2.grad, F(1e7), { rtol: 1e-9 });
    // just outside the bound: 0
    expect(binaryCrossentropy(F(1), F(5e-8)).grad[0]).toBe(0);
  });

  test('meanSquaredError / meanAbsoluteError hand-computed', () => {
    // t=[1,2,3], p=[2,2,1]: d = [1,0,-2]
    const mse = meanSquaredError(F(1, 2, 3), F(2, 2, 1));
    assertClose(mse.loss, 5 / 3, { rtol: 1e-15 });
    assertClose(mse.grad, F(2 / 3, 0, -4 / 3), { rtol: 1e-15 });
    const mae = meanAbsoluteError(F(1, 2, 3), F(2, 2, 1));
    assertClose(mae.loss, 1, { rtol: 1e-15 });
    expect(Array.from(mae.grad)).toEqual([1 / 3, 0, -1 / 3]);
  });

  test('binaryCrossentropy finite differences (soft and hard targets, clipped entries)', () => {
    const rng = mulberry32(8);
    const n = 30;
    const t = randomArray(n, rng, 0, 1);
    for (let i = 0; i < 10; i++) t[i] = i % 2; // some hard 0/1 targets
    const p = randomArray(n, rng, 0.02, 0.98);
    p[20] = -0.3; // clipped -> flat
    p[21] = 1.4;
    const L = () => binaryCrossentropy(t, p).loss;
    const g = binaryCrossentropy(t, p).grad;
    expect(g[20]).toBe(0);
    expect(g[21]).toBe(0);
    checkGrad('bce grad', L, p, g, 1e-6, { rtol: 1e-6, atol: 1e-10 });
  });

  test('MSE / MAE finite differences', () => {
    const rng = mulberry32(9);
    const t = randomArray(25, rng);
    const p = randomArray(25, rng);
    checkGrad('mse grad', () => meanSquaredError(t, p).loss, p, meanSquaredError(t, p).grad, 1e-5, {
      rtol: 1e-7,
      atol: 1e-10,
    });
    checkGrad('mae grad', () => meanAbsoluteError(t, p).loss, p, meanAbsoluteError(t, p).grad, 1e-6, {
      rtol: 1e-6,
      atol: 1e-10,
    });
  });
});

// ------------------------------------------------------------------------------------------------
describe('optimizers (TF.js 4.x equations)', () => {
  test('tfjs-layers string defaults', () => {
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.adadelta).toEqual({ learningRate: 1, rho: 0.95, epsilon: 1e-7 });
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.adam).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.sgd.learningRate).toBe(0.01);
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.adagrad.learningRate).toBe(0.01);
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.rmsprop.learningRate).toBe(0.001);
    expect(TFJS_LAYERS_OPTIMIZER_DEFAULTS.rmsprop.decay).toBe(0.9);
  });

  test('sgd', () => {
    // p = p - lr g:  [1, -2] - 0.1 [2, -4] = [0.8, -1.6]
    const p = F(1, -2);
    sgdStep(p, F(2, -4), { learningRate: 0.1 });
    assertClose(p, F(0.8, -1.6), { rtol: 1e-15 });
  });

  test('momentum (classic and Nesterov), two steps', () => {
    // lr 0.1, m 0.9, p0 = 1, g = 2 both steps
    // classic: acc1 = 2, p1 = 1 - 0.2 = 0.8;  acc2 = 0.9*2 + 2 = 3.8, p2 = 0.8 - 0.38 = 0.42
    let p = F(1);
    let s = createMomentumState(1);
    const cfg = { learningRate: 0.1, momentum: 0.9, useNesterov: false };
    momentumStep(p, F(2), s, cfg);
    assertClose(p, F(0.8), { rtol: 1e-14 });
    momentumStep(p, F(2), s, cfg);
    assertClose(p, F(0.42), { rtol: 1e-14 });
    assertClose(s.accumulation, F(3.8), { rtol: 1e-14 });
    // Nesterov: p1 = 1 - 0.1 (2 + 0.9*2) = 0.62;  p2 = 0.62 - 0.1 (2 + 0.9*3.8) = 0.62 - 0.542 = 0.078
    p = F(1);
    s = createMomentumState(1);
    momentumStep(p, F(2), s, { ...cfg, useNesterov: true });
    assertClose(p, F(0.62), { rtol: 1e-14 });
    momentumStep(p, F(2), s, { ...cfg, useNesterov: true });
    assertClose(p, F(0.078), { rtol: 1e-12 });
  });

  test('adagrad, two steps', () => {
    // lr 0.1, init acc 0.1, eps 1e-7, p0 = 1; g = 2 then 1
    // acc1 = 4.1, p1 = 1 - 0.2/sqrt(4.1000001) = 0.9012270415395893
    // acc2 = 5.1, p2 = p1 - 0.1/sqrt(5.1000001) = 0.8569462976967095
    const p = F(1);
    const s = createAdagradState(1, 0.1);
    adagradStep(p, F(2), s, { learningRate: 0.1 });
    assertClose(p, F(0.9012270415395893), { rtol: 1e-14 });
    adagradStep(p, F(1), s, { learningRate: 0.1 });
    assertClose(p, F(0.8569462976967095), { rtol: 1e-14 });
    assertClose(s.accumulatedGrads, F(5.1), { rtol: 1e-15 });
  });

  test('adadelta (TF.js: denominator uses the OLD accumulated grad)', () => {
    // lr 1, rho 0.95, eps 1e-7, from zero state, g = 2 then 1:
    //   step 1: update = sqrt(0+eps)/sqrt(0+eps) * 2 = 2 -> p = 1 - 2 = -1; accG = accU = 0.05*4 = 0.2
    //   step 2: update = sqrt(0.2+eps)/sqrt(0.2+eps) * 1 = 1 -> p = -2;    accG = accU = 0.19+0.05 = 0.24
    const cfg = { learningRate: 1, rho: 0.95, epsilon: 1e-7 };
    const p = F(1);
    const s = createAdadeltaState(1);
    adadeltaStep(p, F(2), s, cfg);
    assertClose(p, F(-1), { rtol: 1e-15 });
    assertClose(s.accumulatedGrads, F(0.2), { rtol: 1e-14 });
    assertClose(s.accumulatedUpdates, F(0.2), { rtol: 1e-14 });
    adadeltaStep(p, F(1), s, cfg);
    assertClose(p, F(-2), { rtol: 1e-15 });
    assertClose(s.accumulatedGrads, F(0.24), { rtol: 1e-14 });

    // non-trivial state: accG = 0.2, accU = 0.05, g = 1, lr = 0.5
    //   update = sqrt(0.05+eps)/sqrt(0.2+eps) = 0.5000003749996719  (with the NEW accG 0.24 it would be ~0.456)
    //   p = 0 - 0.5 * update;  accU = 0.95*0.05 + 0.05*update^2 ≈ 0.06
    const q = F(0);
    const s2 = { accumulatedGrads: F(0.2), accumulatedUpdates: F(0.05) };
    adadeltaStep(q, F(1), s2, { ...cfg, learningRate: 0.5 });
    const u = 0.5000003749996719;
    assertClose(q, F(-0.5 * u), { rtol: 1e-14 });
    assertClose(s2.accumulatedGrads, F(0.24), { rtol: 1e-14 });
    assertClose(s2.accumulatedUpdates, F(0.0475 + 0.05 * u * u), { rtol: 1e-14 });
  });

  test('adadelta from zero state is exactly SGD with rate lr (consequence of the TF.js equations)', () => {
    const rng = mulberry32(21);
    const p = randomArray(16, rng);
    const q = Float64Array.from(p);
    const s = createAdadeltaState(16);
    for (let step = 0; step < 20; step++) {
      const g = randomArray(16, rng, -3, 3);
      adadeltaStep(p, g, s, { learningRate: 1, rho: 0.95, epsilon: 1e-7 });
      sgdStep(q, g, { learningRate: 1 });
    }
    assertClose(p, q, { rtol: 1e-12, atol: 1e-12 });
  });

  test('adam, two steps (bias correction via accumulated beta powers)', () => {
    // lr 0.1, b1 0.9, b2 0.999, eps 1e-7, p0 = 1; g = 2 then 1
    // step 1: m = 0.2, v = 0.004, mHat = 0.2/0.1 = 2, vHat = 0.004/0.001 = 4
    //         p1 = 1 - 0.1 * 2/(2 + 1e-7) = 0.90000000499999977
    // step 2: m = 0.28, v = 0.004996, mHat = 0.28/0.19, vHat = 0.004996/0.001999
    //         p2 = p1 - 0.1 * mHat/(sqrt(vHat) + 1e-7) = 0.80678204701536516
    const cfg = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const p = F(1, 0);
    const s = createAdamState(2, cfg);
    expect([s.accBeta1, s.accBeta2]).toEqual([0.9, 0.999]);
    adamStep(p, F(2, 0), s, cfg);
    assertClose(p, F(0.90000000499999977, 0), { rtol: 1e-14 });
    assertClose([s.accBeta1, s.accBeta2], [0.81, 0.998001], { rtol: 1e-14 });
    adamStep(p, F(1, 0), s, cfg);
    assertClose(p, F(0.80678204701536516, 0), { rtol: 1e-13 });
    assertClose(s.m, F(0.28, 0), { rtol: 1e-14 });
    assertClose(s.v, F(0.004996, 0), { rtol: 1e-13 });
  });

  test('adam: epsilon is added after the sqrt of the bias-corrected v (visible for tiny gradients)', () => {
    // g = 1e-6, lr 0.1: mHat = 1e-6, vHat = 1e-12 -> step = 0.1 * 1e-6 / (1e-6 + 1e-7) = 0.1/1.1
    // (eps inside the sqrt would give 0.1 * 1e-6 / sqrt(1e-12 + 1e-7) ≈ 3.2e-4 instead)
    const cfg = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const p = F(0);
    adamStep(p, F(1e-6), createAdamState(1, cfg), cfg);
    assertClose(p, F(-0.1 / 1.1), { rtol: 1e-9 });
  });

  test('rmsprop not centered, momentum 0.5, two steps', () => {
    // lr 0.1, decay 0.9, eps 1e-7; g = 2 then 1
    // step 1: ms = 0.4, mom = 0.2/sqrt(0.4000001), p1 = 0.68377227351162539
    // step 2: ms = 0.46, mom = 0.5 mom + 0.1/sqrt(0.4600001), p2 = 0.37821647013883797
    const cfg = { learningRate: 0.1, decay: 0.9, momentum: 0.5, epsilon: 1e-7, centered: false };
    const p = F(1);
    const s = createRmspropState(1);
    rmspropStep(p, F(2), s, cfg);
    assertClose(p, F(0.68377227351162539), { rtol: 1e-14 });
    rmspropStep(p, F(1), s, cfg);
    assertClose(p, F(0.37821647013883797), { rtol: 1e-14 });
    assertClose(s.meanSquares, F(0.46), { rtol: 1e-14 });
    expect(s.meanGrads[0]).toBe(0); // untouched when not centered
  });

  test('rmsprop centered (TF.js subtracts eps), momentum 0.5, two steps', () => {
    // step 1: ms = 0.4, mg = 0.2, mom = 0.2/sqrt(0.4 - (0.04 + 1e-7)), p1 = 0.66666662037036062
    // step 2: ms = 0.46, mg = 0.28, mom = 0.5 mom + 0.1/sqrt(0.46 - (0.0784 + 1e-7)), p2 = 0.33811893228517292
    const cfg = { learningRate: 0.1, decay: 0.9, momentum: 0.5, epsilon: 1e-7, centered: true };
    const p = F(1);
    const s = createRmspropState(1);
    rmspropStep(p, F(2), s, cfg);
    assertClose(p, F(0.66666662037036062), { rtol: 1e-14 });
    rmspropStep(p, F(1), s, cfg);
    assertClose(p, F(0.33811893228517292), { rtol: 1e-14 });
    assertClose(s.meanGrads, F(0.28), { rtol: 1e-14 });
    // a zero gradient on the first centered step gives sqrt(0 - (0 + eps)) = NaN, as in TF.js
    const z = F(1);
    rmspropStep(z, F(0), createRmspropState(1), cfg);
    expect(Number.isNaN(z[0])).toBe(true);
  });

  test('elementwise: a multi-element step equals separate single-element steps', () => {
    const rng = mulberry32(31);
    const p = randomArray(5, rng);
    const g = randomArray(5, rng);
    const cfg = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const all = Float64Array.from(p);
    adamStep(all, g, createAdamState(5, cfg), cfg);
    for (let i = 0; i < 5; i++) {
      const one = F(p[i]);
      adamStep(one, F(g[i]), createAdamState(1, cfg), cfg);
      expect(all[i]).toBe(one[0]);
    }
  });

  test('length mismatches throw', () => {
    expect(() => sgdStep(F(1, 2), F(1), { learningRate: 1 })).toThrow();
    expect(() => adamStep(F(1), F(1), createAdamState(2, { beta1: 0.9, beta2: 0.999 }), {
      learningRate: 1,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    })).toThrow();
  });
});

// ------------------------------------------------------------------------------------------------
describe('gradcheck helpers', () => {
  test('numericGradient of sum(v^2) is 2v, values restored', () => {
    const v = F(1, -2, 0.5);
    const before = Array.from(v);
    const { indices, grad } = numericGradient(() => dot(v, v), v, 1e-4);
    expect(indices).toEqual([0, 1, 2]);
    assertClose(grad, F(2, -4, 1), { rtol: 1e-9 });
    expect(Array.from(v)).toEqual(before);
  });

  test('numericGradient works on Float32Array (uses the actual rounded step)', () => {
    const v = Float32Array.from([0.1, 3.3]);
    const { grad } = numericGradient(() => v[0] * 3 + v[1] * v[1], v, 1e-2);
    assertClose(grad, F(3, 2 * Math.fround(3.3)), { rtol: 1e-5 });
    // near 1000 the float32 spacing is 2^-14 ≈ 6.1e-5, so 1000 ± 1e-4 is stored as 1000 ± 1.22e-4;
    // dividing by the nominal 2e-4 would report 3.66 instead of 3
    const big = Float32Array.from([1000]);
    const r = numericGradient(() => 3 * big[0], big, 1e-4);
    assertClose(r.grad, F(3), { rtol: 1e-6 });
  });

  test('numericGradient subset: maxEntries distinct sorted indices, seeded', () => {
    const v = new Float64Array(100).map((_, i) => i);
    const a = numericGradient(() => dot(v, v), v, 1e-3, { maxEntries: 10, seed: 3 });
    const b = numericGradient(() => dot(v, v), v, 1e-3, { maxEntries: 10, seed: 3 });
    expect(a.indices).toEqual(b.indices);
    expect(new Set(a.indices).size).toBe(10);
    expect([...a.indices].sort((x, y) => x - y)).toEqual(a.indices);
    // f ~ 3e5, so rounding in the difference is ~ 3e5 * 1e-16 / 1e-3 ~ 3e-8
    assertClose(a.grad, gather(v.map((x) => 2 * x), a.indices), { rtol: 1e-7, atol: 1e-6 });
  });

  test('relativeError', () => {
    expect(relativeError(F(1, 2), F(1, 2))).toBe(0);
    expect(relativeError(F(0), F(0))).toBe(0);
    expect(relativeError(2, 1)).toBe(0.5);
    expect(relativeError(F(1, 10), F(1, 11))).toBeCloseTo(1 / 11, 15);
    expect(relativeError(F(NaN), F(1))).toBe(Infinity);
    expect(relativeError(F(1, 2), F(1))).toBe(Infinity);
  });

  test('assertClose passes within tolerance and reports the worst mismatch', () => {
    expect(() => assertClose(F(1, 2, 3), F(1, 2, 3 + 1e-9), { rtol: 1e-6 })).not.toThrow();
    expect(() => assertClose(F(1, 2.5, 3.01), F(1, 2, 3), { rtol: 1e-6 }, 'vec')).toThrow(
      'vec: 2/3 entries differ (rtol=0.000001, atol=1e-8); worst at index 1: actual 2.5, expected 2, |diff| 0.5',
    );
    expect(() => assertClose(F(NaN), F(NaN))).toThrow(/index 0/);
    expect(() => assertClose(F(1), F(1, 2))).toThrow(/length mismatch/);
    expect(() => assertClose(F(Infinity), F(Infinity))).not.toThrow();
    expect(() => assertClose(F(0), F(1e-9), { atol: 1e-8 })).not.toThrow();
  });
});
