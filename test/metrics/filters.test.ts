import { gaussianFilter, gaussianKernel, medianFilter } from '../../src/metrics/index.js';
import type { Tensor } from '../../src/tensor.js';

const img = (rows: number[][], n = 1): Tensor => ({
  data: Float32Array.from(Array.from({ length: n }, () => rows.flat()).flat()),
  shape: [n, rows.length, rows[0].length, 1],
});
const grid = (t: Tensor, n = 0): number[][] => {
  const [, h, w, c] = t.shape;
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => t.data[((n * h + i) * w + j) * c]));
};

const ramp = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
];

describe('medianFilter', () => {
  test('3x3 medians with edge replication, worked by hand', () => {
    const out = grid(medianFilter(img(ramp)));
    // (0,0): {1,1,2, 1,1,2, 5,5,6} → 2;  (1,1): {1,2,3,5,6,7,9,10,11} → 6;  (3,3): {11,12,12,15,16,16,15,16,16} → 15
    expect(out[0][0]).toBe(2);
    expect(out[1][1]).toBe(6);
    expect(out[3][3]).toBe(15);
    // (0,3): {3,4,4, 3,4,4, 7,8,8} → 4
    expect(out[0][3]).toBe(4);
  });

  test('removes an isolated impulse and keeps a constant image', () => {
    const speck = img([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]);
    expect(Array.from(medianFilter(speck).data)).toEqual(new Array(12).fill(0));
    const flat = img([[0.3, 0.3, 0.3], [0.3, 0.3, 0.3]]);
    expect(medianFilter(flat, 5).data).toEqual(flat.data);
  });

  test('size 1 is the identity; channels and images are filtered separately; input untouched', () => {
    const x = img(ramp, 2);
    expect(medianFilter(x, 1).data).toEqual(x.data);
    // channel 0 = ramp, channel 1 = an impulse that must not leak into channel 0
    const data = new Float32Array(16 * 2);
    ramp.flat().forEach((v, p) => (data[2 * p] = v));
    data[2 * 5 + 1] = 9;
    const two = medianFilter({ data, shape: [1, 4, 4, 2] });
    expect(two.data[2 * 5]).toBe(6);
    expect(Array.from({ length: 16 }, (_, p) => two.data[2 * p + 1])).toEqual(new Array(16).fill(0));
    expect(data[2 * 5 + 1]).toBe(9);
  });

  test('bad size and shape are clear errors', () => {
    expect(() => medianFilter(img(ramp), 2)).toThrow('medianFilter: size must be an odd integer ≥ 1, got 2');
    expect(() => medianFilter({ data: new Float32Array(4), shape: [1, 2, 2] })).toThrow('medianFilter: input must be NHWC');
  });
});

describe('gaussianFilter', () => {
  const e = Math.exp(-0.5);
  const k = [e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)]; // ≈ [0.2741, 0.4519, 0.2741]

  test('the sigma=1 size=3 kernel is [e^-½, 1, e^-½] normalised', () => {
    const got = Array.from(gaussianKernel(1, 3));
    got.forEach((v, i) => expect(v).toBeCloseTo(k[i], 12));
    expect(gaussianKernel(2, 7).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  test('an impulse spreads into the outer product of the kernel', () => {
    const x = img([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
    const out = grid(gaussianFilter(x));
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const want = Math.abs(i - 2) <= 1 && Math.abs(j - 2) <= 1 ? k[i - 1] * k[j - 1] : 0;
        expect(out[i][j]).toBeCloseTo(want, 6);
      }
    }
  });

  test('borders replicate the edge: a constant stays constant, a ramp bends only at its ends', () => {
    const flat = img([[0.7, 0.7, 0.7], [0.7, 0.7, 0.7]]);
    Array.from(gaussianFilter(flat, { sigma: 2, size: 5 }).data).forEach((v) => expect(v).toBeCloseTo(0.7, 6));
    const row = gaussianFilter(img([[0, 1, 2, 3], [0, 1, 2, 3]]));
    expect(row.data[0]).toBeCloseTo(k[2], 6); // k·[0 (replicated), 0, 1]
    expect(row.data[1]).toBeCloseTo(1, 6);
    expect(row.data[3]).toBeCloseTo(3 - k[0], 6); // k·[2, 3, 3 (replicated)]
  });

  test('bad options are clear errors', () => {
    expect(() => gaussianFilter(img(ramp), { sigma: 0 })).toThrow('gaussianFilter: sigma must be a finite number > 0, got 0');
    expect(() => gaussianFilter(img(ramp), { size: 4 })).toThrow('gaussianFilter: size must be an odd integer ≥ 1, got 4');
  });
});
