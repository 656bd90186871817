// Peak signal-to-noise ratio, the usual denoising score: 10·log10(peak² / MSE), higher is better.
import type { Tensor } from '../tensor.js';
import { sameBatch } from './shape-checks.js';

/** Per-image PSNR and their mean. */
export interface PsnrResult {
  perImage: Float64Array;
  mean: number;
}

/**
 * PSNR in dB of each image of a against b (batches [N, ...] of equal shape, peak value 1.0); identical images
 * score Infinity. `mean` averages the finite scores only, so one perfect image doesn't hide the rest,
 * and is Infinity only when every image is identical (NaN if any value is NaN).
 */
export function psnr(a: Tensor, b: Tensor): PsnrResult {
  sameBatch('psnr', a, b);
  const n = a.shape[0];
  const per = a.data.length / n;
  const perImage = new Float64Array(n);
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let j = i * per; j < (i + 1) * per; j++) {
      const d = a.data[j] - b.data[j];
      se += d * d;
    }
    perImage[i] = se === 0 ? Infinity : 10 * Math.log10(per / se);
    if (Number.isFinite(perImage[i])) {
      sum += perImage[i];
      finite++;
    }
  }
  const anyNaN = perImage.some(Number.isNaN);
  return { perImage, mean: anyNaN ? NaN : finite > 0 ? sum / finite : Infinity };
}
