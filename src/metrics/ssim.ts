// Structural similarity (Wang et al. 2004) as skimage.metrics.structural_similarity computes it by default
// with data_range=1: uniform win x win window, K1 = 0.01, K2 = 0.03, sample (co)variances (N/(N-1)),
// SSIM map averaged over the valid region (borders of (win-1)/2 cropped), channels averaged.
import type { Tensor } from '../tensor.js';
import { nhwc, sameBatch } from './shape-checks.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** Options for ssim: odd window side `windowSize` in pixels (default 7, skimage's default). */
export interface SsimOptions {
  windowSize?: number;
}

const SSIM_OPTIONS: OptionSpec<SsimOptions> = { windowSize: 'value' };

/** Per-image SSIM (in [-1, 1], 1 = identical) and their mean. */
export interface SsimResult {
  perImage: Float64Array;
  mean: number;
}

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** SSIM of each image of a against b (NHWC [N, H, W, C], values in [0, 1]), matching skimage with win_size=windowSize. */
export function ssim(a: Tensor, b: Tensor, options: SsimOptions = {}): SsimResult {
  const { windowSize = 7 } = checkOptions(options, SSIM_OPTIONS, 'ssim', { win_size: 'the window is windowSize here: { windowSize: 7 }' });
  sameBatch('ssim', a, b);
  const [n, h, w, c] = nhwc('ssim', a);
  const win = windowSize;
  if (!Number.isInteger(win) || win < 3 || win % 2 === 0) throw new Error(`ssim: windowSize must be an odd integer ≥ 3, got ${describeValue(win)}`);
  if (win > h || win > w) throw new Error(`ssim: images are ${h}x${w} but windowSize is ${win}; pick an odd windowSize ≤ ${Math.min(h, w)}`);
  const oh = h - win + 1;
  const ow = w - win + 1;
  const np = win * win;
  const covNorm = np / (np - 1);
  // Window sums of x, y, x², y², xy over the valid region, done separably (rows, then columns) in float64.
  const stats = Array.from({ length: 5 }, () => new Float64Array(oh * ow));
  const rows = Array.from({ length: 5 }, () => new Float64Array(h * ow));
  const perImage = new Float64Array(n);
  for (let img = 0; img < n; img++) {
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      const base = img * h * w * c + ch;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < ow; j++) {
          let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
          for (let k = 0; k < win; k++) {
            const at = base + (i * w + j + k) * c;
            const x = a.data[at];
            const y = b.data[at];
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
          }
          const r = i * ow + j;
          rows[0][r] = sx; rows[1][r] = sy; rows[2][r] = sxx; rows[3][r] = syy; rows[4][r] = sxy;
        }
      }
      for (let q = 0; q < 5; q++) {
        const row = rows[q];
        const out = stats[q];
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            let s = 0;
            for (let k = 0; k < win; k++) s += row[(i + k) * ow + j];
            out[i * ow + j] = s / np;
          }
        }
      }
      let sum = 0;
      for (let p = 0; p < oh * ow; p++) {
        const ux = stats[0][p];
        const uy = stats[1][p];
        const vx = covNorm * (stats[2][p] - ux * ux);
        const vy = covNorm * (stats[3][p] - uy * uy);
        const vxy = covNorm * (stats[4][p] - ux * uy);
        sum += ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
      }
      total += sum / (oh * ow);
    }
    perImage[img] = total / c;
  }
  let mean = 0;
  for (const v of perImage) mean += v;
  return { perImage, mean: mean / n };
}
