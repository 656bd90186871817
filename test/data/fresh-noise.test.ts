import { addGaussianNoise, freshGaussianNoise } from '../../src/data/index.js';
import type { Tensor } from '../../src/tensor.js';

const clean: Tensor = { data: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => (i % 17) / 16), shape: [4, 8, 8, 1] };

describe('freshGaussianNoise', () => {
  test('epoch 0 is addGaussianNoise with the same factor and seed (the x to pass to fit)', () => {
    const next = freshGaussianNoise(clean, { factor: 0.3, seed: 7 });
    expect(next(0).data).toEqual(addGaussianNoise(clean, { factor: 0.3, seed: 7 }).data);
    expect(next(0).shape).toEqual([4, 8, 8, 1]);
  });

  test('every epoch draws different noise, the same every time it is asked for', () => {
    const next = freshGaussianNoise(clean, { seed: 1 });
    const epochs = [0, 1, 2, 3, 10].map((e) => next(e).data);
    for (let i = 0; i < epochs.length; i++) {
      for (let j = i + 1; j < epochs.length; j++) expect(epochs[j]).not.toEqual(epochs[i]);
    }
    expect(next(3).data).toEqual(epochs[3]);
    expect(freshGaussianNoise(clean, { seed: 1 })(3).data).toEqual(epochs[3]);
  });

  test('different seeds give different noise at the same epoch, and no seed/epoch pair repeats a neighbour', () => {
    const a = freshGaussianNoise(clean, { seed: 1 });
    const b = freshGaussianNoise(clean, { seed: 2 });
    expect(a(1).data).not.toEqual(b(1).data);
    // seed 1 epoch 1 must not be seed 2 epoch 0 (nor seed 2 epoch 1 be seed 1 epoch 2)
    expect(a(1).data).not.toEqual(b(0).data);
    expect(b(1).data).not.toEqual(a(2).data);
  });

  test('defaults: factor 0.4, seed 0; values stay in [0, 1]; clean is left untouched', () => {
    const before = clean.data.slice();
    const y = freshGaussianNoise(clean)(5);
    expect(freshGaussianNoise(clean)(0).data).toEqual(addGaussianNoise(clean).data);
    expect(y.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(clean.data).toEqual(before);
    // factor 0 is the clean images at every epoch
    expect(freshGaussianNoise(clean, { factor: 0 })(4).data).toEqual(before);
  });

  test('rejects a bad factor at once and a bad epoch when called', () => {
    expect(() => freshGaussianNoise(clean, { factor: -1 })).toThrow('freshGaussianNoise: factor must be a finite number ≥ 0, got -1');
    const next = freshGaussianNoise(clean);
    expect(() => next(-1)).toThrow('freshGaussianNoise: epoch must be an integer ≥ 0, got -1');
    expect(() => next(1.5)).toThrow('got 1.5');
  });
});
