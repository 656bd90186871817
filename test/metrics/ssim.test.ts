import { ssim } from '../../src/metrics/index.js';
import type { Tensor } from '../../src/tensor.js';

const C1 = 0.0001;
const C2 = 0.0009;

/** [N, H, W, C] tensor of f(n, i, j, c). */
function make(n: number, h: number, w: number, c: number, f: (n: number, i: number, j: number, c: number) => number): Tensor {
  const data = new Float32Array(n * h * w * c);
  for (let a = 0; a < n; a++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) data[((a * h + i) * w + j) * c + k] = f(a, i, j, k);
  return { data, shape: [n, h, w, c] };
}

/** Textbook SSIM with plain loops: every fully inside win x win window, sample (co)variances, then the mean. */
function naive(x: Tensor, y: Tensor, img: number, ch: number, win: number): number {
  const [, h, w, c] = x.shape;
  const at = (t: Tensor, i: number, j: number) => t.data[((img * h + i) * w + j) * c + ch];
  let total = 0, count = 0;
  for (let i0 = 0; i0 + win <= h; i0++) {
    for (let j0 = 0; j0 + win <= w; j0++) {
      const xs: number[] = [], ys: number[] = [];
      for (let i = i0; i < i0 + win; i++) for (let j = j0; j < j0 + win; j++) { xs.push(at(x, i, j)); ys.push(at(y, i, j)); }
      const m = xs.length;
      const mx = xs.reduce((s, v) => s + v, 0) / m;
      const my = ys.reduce((s, v) => s + v, 0) / m;
      let vx = 0, vy = 0, cxy = 0;
      for (let k = 0; k < m; k++) { vx += (xs[k] - mx) ** 2; vy += (ys[k] - my) ** 2; cxy += (xs[k] - mx) * (ys[k] - my); }
      vx /= m - 1; vy /= m - 1; cxy /= m - 1;
      total += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      count++;
    }
  }
  return total / count;
}

// A: 12x13 grey; B: two 10x9 RGB images. Reference values from a numpy/scipy port of skimage's
// structural_similarity (uniform_filter, data_range=1, use_sample_covariance=True, crop (win-1)//2).
const A = {
  x: make(1, 12, 13, 1, (_, i, j) => ((i * 7 + j * 3) % 11) / 10),
  y: make(1, 12, 13, 1, (_, i, j) => 0.7 * (((i * 7 + j * 3) % 11) / 10) + 0.05 * ((i * j) % 5)),
  skimage: { 7: 0.8958457446429245, 5: 0.8962624015370717, 3: 0.8966573770372135 } as Record<number, number>,
};
const bx = (n: number, i: number, j: number, c: number) => ((i * 3 + j * 5 + c * 2 + n) % 7) / 6;
const B = {
  x: make(2, 10, 9, 3, bx),
  y: make(2, 10, 9, 3, (n, i, j, c) => Math.min(1, Math.max(0, bx(n, i, j, c) + 0.1 * Math.sin(i + 2 * j + c + n)))),
  skimage: [0.9802326087060688, 0.98057824291944],
};

describe('ssim', () => {
  test('identical images score 1', () => {
    const r = ssim(A.x, A.x);
    expect(r.perImage[0]).toBeCloseTo(1, 12);
    expect(r.mean).toBeCloseTo(1, 12);
  });

  test('two constant images: (2ab + C1) / (a² + b² + C1), variances being zero', () => {
    const a = make(1, 8, 8, 1, () => 0.2);
    const b = make(1, 8, 8, 1, () => 0.6);
    const fa = Math.fround(0.2), fb = Math.fround(0.6);
    expect(ssim(a, b).mean).toBeCloseTo((2 * fa * fb + C1) / (fa * fa + fb * fb + C1), 9); // ≈ 0.6001
  });

  test.each([7, 5, 3])('grey 12x13, window %i: equals the skimage port and the plain-loop SSIM', (win) => {
    const r = ssim(A.x, A.y, { windowSize: win });
    expect(r.perImage[0]).toBeCloseTo(A.skimage[win], 10);
    expect(r.perImage[0]).toBeCloseTo(naive(A.x, A.y, 0, 0, win), 10);
    expect(ssim(A.y, A.x, { windowSize: win }).mean).toBeCloseTo(r.mean, 12);
  });

  test('RGB: per image the mean over channels, and the mean over images', () => {
    const r = ssim(B.x, B.y);
    for (const n of [0, 1]) {
      const byLoops = (naive(B.x, B.y, n, 0, 7) + naive(B.x, B.y, n, 1, 7) + naive(B.x, B.y, n, 2, 7)) / 3;
      expect(r.perImage[n]).toBeCloseTo(byLoops, 10);
      expect(r.perImage[n]).toBeCloseTo(B.skimage[n], 9);
    }
    expect(r.mean).toBeCloseTo((B.skimage[0] + B.skimage[1]) / 2, 9);
  });

  test('noise lowers SSIM monotonically', () => {
    const noisy = (amp: number) => make(1, 12, 13, 1, (_, i, j) => ((i * 7 + j * 3) % 11) / 10 + amp * (((i * 31 + j * 17) % 13) / 12 - 0.5));
    const s = [0.05, 0.2, 0.5].map((amp) => ssim(A.x, noisy(amp)).mean);
    expect(s[0]).toBeGreaterThan(s[1]);
    expect(s[1]).toBeGreaterThan(s[2]);
  });

  test('bad windows and shapes are clear errors', () => {
    expect(() => ssim(A.x, A.y, { windowSize: 4 })).toThrow('ssim: windowSize must be an odd integer ≥ 3, got 4');
    expect(() => ssim(A.x, A.y, { windowSize: 13 })).toThrow('ssim: images are 12x13 but windowSize is 13; pick an odd windowSize ≤ 12');
    const flat = { data: new Float32Array(64), shape: [1, 8, 8] };
    expect(() => ssim(flat, flat)).toThrow('ssim: input must be NHWC [N, H, W, C] but has shape [1,8,8] (add a channel axis: shape [N, H, W, 1])');
    expect(() => ssim(A.x, B.x)).toThrow('ssim: shapes differ');
  });
});
