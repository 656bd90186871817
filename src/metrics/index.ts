// Browser-safe metrics and classical baselines.
export { psnr } from './psnr.js';
export type { PsnrResult } from './psnr.js';
export { ssim } from './ssim.js';
export type { SsimOptions, SsimResult } from './ssim.js';
export { medianFilter, gaussianFilter, gaussianKernel } from './filters.js';
export type { GaussianFilterOptions } from './filters.js';
