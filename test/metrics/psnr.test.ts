import { psnr } from '../../src/metrics/index.js';
import type { Tensor } from '../../src/tensor.js';

const t = (data: number[], shape: number[]): Tensor => ({ data: Float32Array.from(data), shape });

describe('psnr (peak 1.0)', () => {
  test('a uniform error of 0.1 everywhere is 20 dB', () => {
    const a = t(new Array(2 * 4 * 4).fill(0.25), [2, 4, 4, 1]);
    const b = t(new Array(2 * 4 * 4).fill(0.25 + 0.1), [2, 4, 4, 1]);
    const r = psnr(a, b);
    expect(r.perImage.length).toBe(2);
    expect(r.perImage[0]).toBeCloseTo(20, 4);
    expect(r.perImage[1]).toBeCloseTo(20, 4);
    expect(r.mean).toBeCloseTo(20, 4);
  });

  test('per image MSE over all H·W·C values, and the mean of the per-image scores', () => {
    // image 0: squared errors 0.01, 0, 0.04, 0 → MSE 0.0125; image 1: one error of 0.5 in 4 → MSE 0.0625
    const a = t([0, 0.5, 1, 0.25, 0, 0, 0, 0], [2, 1, 2, 2]);
    const b = t([0.1, 0.5, 0.8, 0.25, 0.5, 0, 0, 0], [2, 1, 2, 2]);
    const r = psnr(a, b);
    expect(r.perImage[0]).toBeCloseTo(10 * Math.log10(1 / 0.0125), 4); // 19.03 dB
    expect(r.perImage[1]).toBeCloseTo(10 * Math.log10(1 / 0.0625), 4); // 12.04 dB
    expect(r.mean).toBeCloseTo((19.0309 + 12.0412) / 2, 3);
    expect(psnr(b, a).perImage).toEqual(r.perImage);
  });

  test('identical images score Infinity; the mean skips them unless all are identical', () => {
    const a = t([0.2, 0.4, 0.6, 0.8], [2, 2]);
    const b = t([0.2, 0.4, 0.6, 0.7], [2, 2]);
    const r = psnr(a, b);
    expect(r.perImage[0]).toBe(Infinity);
    expect(r.perImage[1]).toBeCloseTo(10 * Math.log10(1 / 0.005), 3);
    expect(r.mean).toBe(r.perImage[1]);
    expect(psnr(a, a).mean).toBe(Infinity);
  });

  test('NaN input gives a NaN mean, not a silently skipped image', () => {
    const r = psnr(t([0, NaN], [2, 1]), t([0.5, 0], [2, 1]));
    expect(Number.isNaN(r.perImage[1])).toBe(true);
    expect(Number.isNaN(r.mean)).toBe(true);
  });

  test('different shapes and empty batches are errors', () => {
    expect(() => psnr(t([0, 0], [1, 2]), t([0, 0], [2, 1]))).toThrow('psnr: shapes differ: [1,2] vs [2,1]');
    expect(() => psnr(t([], [0, 2]), t([], [0, 2]))).toThrow('psnr: the batch is empty (N = 0)');
  });
});
