// The photo denoiser that ships with the package (presets.photoDenoiser()): model.json and weights.bin of
// pretrained/photo/, embedded in model-photo-data.ts as text and base64 by scripts/train-photo.mjs.
import type { LayersModel } from '../model/model.js';
import { modelFromFiles, type LoadModelOptions } from './model-format.js';
import { base64ToBytes } from './model-pretrained.js';
import { PHOTO_MODEL_JSON, PHOTO_WEIGHTS_BASE64 } from './model-photo-data.js';

/**
 * A blind residual U-Net for grey photographs (colour ones channel by channel), trained on scikit-image's
 * photographs with Gaussian noise of standard deviation 0 to 50 (0-255 scale); built for 48x48x1 patches,
 * fully convolutional (any size that is a multiple of 4). See README, "Denoising photographs".
 */
export function photoDenoiserModel(options: LoadModelOptions = {}): LayersModel {
  const weights = base64ToBytes(PHOTO_WEIGHTS_BASE64);
  return modelFromFiles(JSON.parse(PHOTO_MODEL_JSON), () => weights, options, 'presets.photoDenoiser()');
}
