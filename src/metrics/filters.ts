// Classical denoising baselines to compare a trained model against. Both work per image and per channel
// on NHWC batches and treat pixels outside the image as copies of the nearest edge pixel
// (edge replication, scipy.ndimage's mode='nearest').
import type { Tensor } from '../tensor.js';
import { nhwc } from './shape-checks.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** Median of each size x size neighbourhood (odd size, default 3) of NHWC [N, H, W, C]; same shape out. */
export function medianFilter(x: Tensor, size = 3): Tensor {
  const [n, h, w, c] = nhwc('medianFilter', x);
  checkSize('medianFilter', size);
  const r = (size - 1) / 2;
  const out = new Float32Array(x.data.length);
  const window = new Float32Array(size * size);
  const mid = (size * size - 1) / 2;
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          let k = 0;
          for (let di = -r; di <= r; di++) {
            const ii = clamp(i + di, h);
            for (let dj = -r; dj <= r; dj++) window[k++] = x.data[base + (ii * w + clamp(j + dj, w)) * c + ch];
          }
          window.sort();
          out[base + (i * w + j) * c + ch] = window[mid];
        }
      }
    }
  }
  return { data: out, shape: [...x.shape] };
}

/** Options for gaussianFilter: kernel standard deviation `sigma` in pixels (default 1) and odd kernel side `size` (default 3). */
export interface GaussianFilterOptions {
  sigma?: number;
  size?: number;
}

const GAUSSIAN_FILTER_OPTIONS: OptionSpec<GaussianFilterOptions> = { sigma: 'value', size: 'value' };

/**
 * Blurs NHWC [N, H, W, C] with a size x size Gaussian kernel of std `sigma` (weights exp(-d²/2σ²),
 * normalised to sum 1 over the truncated kernel), applied separably; same shape out.
 */
export function gaussianFilter(x: Tensor, options: GaussianFilterOptions = {}): Tensor {
  const { sigma = 1, size = 3 } = checkOptions(options, GAUSSIAN_FILTER_OPTIONS, 'gaussianFilter');
  const [n, h, w, c] = nhwc('gaussianFilter', x);
  checkSize('gaussianFilter', size);
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new Error(`gaussianFilter: sigma must be a finite number > 0, got ${describeValue(sigma)}`);
  const r = (size - 1) / 2;
  const kernel = gaussianKernel(sigma, size);
  const tmp = new Float64Array(x.data.length);
  const out = new Float32Array(x.data.length);
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let k = -r; k <= r; k++) s += kernel[k + r] * x.data[base + (i * w + clamp(j + k, w)) * c + ch];
          tmp[base + (i * w + j) * c + ch] = s;
        }
      }
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let k = -r; k <= r; k++) s += kernel[k + r] * tmp[base + (clamp(i + k, h) * w + j) * c + ch];
          out[base + (i * w + j) * c + ch] = s;
        }
      }
    }
  }
  return { data: out, shape: [...x.shape] };
}

/** The 1-D kernel of gaussianFilter: `size` weights exp(-k²/2σ²) for k = -(size-1)/2 .. (size-1)/2, summing to 1. */
export function gaussianKernel(sigma: number, size: number): Float64Array {
  const r = (size - 1) / 2;
  const k = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = k.reduce((s, v) => s + v, 0);
  return k.map((v) => v / total);
}

function checkSize(fn: string, size: number): void {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new Error(`${fn}: size must be an odd integer ≥ 1, got ${describeValue(size)}`);
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
