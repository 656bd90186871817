import { addGaussianNoise, addSaltAndPepper } from '../../src/data/index.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor.js';

function grey(shape: number[], v = 0.5): Tensor {
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape };
}

function stats(d: Float32Array, minus: number): { mean: number; std: number } {
  let s = 0, ss = 0;
  for (const v of d) { s += v - minus; ss += (v - minus) ** 2; }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(ss / d.length - mean * mean) };
}

describe('addGaussianNoise', () => {
  const x = grey([64, 28, 28, 1]);

  test('on mid-grey with a small factor (no clipping) the added noise has mean 0 and std = factor', () => {
    const y = addGaussianNoise(x, { factor: 0.1, seed: 1 });
    let min = 1, max = 0;
    for (const v of y.data) { min = v < min ? v : min; max = v > max ? v : max; }
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    const { mean, std } = stats(y.data, 0.5);
    // 50176 samples: the standard error of the mean is 0.1/224 ≈ 0.00045
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.099);
    expect(std).toBeLessThan(0.101);
  });

  test('the default factor 0.4 clips |z| > 1.25 into 0 or 1: about 21% of values', () => {
    const y = addGaussianNoise(x);
    let zeros = 0, ones = 0;
    for (const v of y.data) { if (v === 0) zeros++; if (v === 1) ones++; }
    // P(z > 1.25) = 0.1056 per side
    expect(zeros / y.data.length).toBeCloseTo(0.1056, 2);
    expect(ones / y.data.length).toBeCloseTo(0.1056, 2);
  });

  test('equals clip(x + factor · N(0, 1)) drawn from Random(seed), leaves x untouched, is deterministic', () => {
    const small = { data: Float32Array.from([0, 0.25, 0.5, 1, 0.9, 0.1]), shape: [1, 2, 3, 1] };
    const before = small.data.slice();
    const y = addGaussianNoise(small, { factor: 0.3, seed: 42 });
    const rng = new Random(42);
    const want = Array.from(before, (v) => Math.fround(Math.min(1, Math.max(0, v + 0.3 * rng.normal()))));
    expect(Array.from(y.data)).toEqual(want);
    expect(y.shape).toEqual([1, 2, 3, 1]);
    expect(y.shape).not.toBe(small.shape);
    expect(small.data).toEqual(before);
    expect(addGaussianNoise(small, { factor: 0.3, seed: 42 }).data).toEqual(y.data);
    expect(addGaussianNoise(small, { factor: 0.3, seed: 43 }).data).not.toEqual(y.data);
    expect(addGaussianNoise(small, { factor: 0 }).data).toEqual(before);
  });

  test('rejects a negative or non-finite factor', () => {
    expect(() => addGaussianNoise(x, { factor: -0.1 })).toThrow('addGaussianNoise: factor must be a finite number ≥ 0, got -0.1');
    expect(() => addGaussianNoise(x, { factor: NaN })).toThrow('got NaN');
  });
});

describe('addSaltAndPepper', () => {
  test('hits about `amount` of the pixels, half black half white, whole RGB pixels at once', () => {
    const x = grey([32, 28, 28, 3]);
    const y = addSaltAndPepper(x, { amount: 0.1, seed: 5 });
    let black = 0, white = 0, kept = 0, mixed = 0;
    for (let p = 0; p < y.data.length; p += 3) {
      const [r, g, b] = [y.data[p], y.data[p + 1], y.data[p + 2]];
      if (r !== g || g !== b) mixed++;
      if (r === 0) black++;
      else if (r === 1) white++;
      else if (r === 0.5) kept++;
    }
    const pixels = 32 * 28 * 28;
    expect(mixed).toBe(0);
    expect(black + white + kept).toBe(pixels);
    // 25088 pixels: the standard error of the hit rate is 0.0019
    expect((black + white) / pixels).toBeCloseTo(0.1, 2);
    expect(Math.abs(black - white) / (black + white)).toBeLessThan(0.06);
    expect(x.data.every((v) => v === 0.5)).toBe(true);
  });

  test('amount 0 keeps everything, amount 1 replaces everything; seeded and deterministic', () => {
    const x = grey([2, 5, 5, 1], 0.3);
    expect(addSaltAndPepper(x, { amount: 0 }).data).toEqual(x.data);
    const all = addSaltAndPepper(x, { amount: 1, seed: 2 });
    expect(all.data.every((v) => v === 0 || v === 1)).toBe(true);
    expect(addSaltAndPepper(x, { amount: 1, seed: 2 }).data).toEqual(all.data);
    expect(addSaltAndPepper(x, { amount: 1, seed: 3 }).data).not.toEqual(all.data);
  });

  test('rejects an amount outside [0, 1]', () => {
    expect(() => addSaltAndPepper(grey([1, 2, 2, 1]), { amount: 1.5 })).toThrow('addSaltAndPepper: amount must be in [0, 1], got 1.5');
  });
});
