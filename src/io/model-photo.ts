// The photo denoisers that ship with the package (presets.photoDenoiser()): model.json and weights.bin of
// pretrained/photo/ (grey) and pretrained/photo-colour/ (colour), embedded in model-photo-data.ts and
// model-photo-colour-data.ts as text and base64 by scripts/train-photo.mjs.
import type { LayersModel } from '../model/model.js';
import { LOAD_MODEL_OPTIONS, modelFromFiles, type LoadModelOptions } from './model-format.js';
import { base64ToBytes } from './model-pretrained.js';
import { PHOTO_MODEL_JSON, PHOTO_WEIGHTS_BASE64 } from './model-photo-data.js';
import { PHOTO_COLOUR_MODEL_JSON, PHOTO_COLOUR_WEIGHTS_BASE64 } from './model-photo-colour-data.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

export type PhotoDenoiserOptions = LoadModelOptions & {
  /** 1 (default): the grey model; 3: the colour one. */
  channels?: 1 | 3;
};
const PHOTO_DENOISER_OPTIONS: OptionSpec<PhotoDenoiserOptions> = { ...LOAD_MODEL_OPTIONS, channels: 'value' };

/**
 * A blind residual U-Net for photographs, trained on scikit-image's photographs with Gaussian noise of
 * standard deviation 0 to 50 (0-255 scale): channels 1 (grey; a colour picture goes through it channel
 * by channel) or 3 (colour, R, G and B at once). Built for 48x48 patches, fully convolutional (any size
 * that is a multiple of 4). See README, "Denoising photographs".
 */
export function photoDenoiserModel(options: PhotoDenoiserOptions = {}): LayersModel {
  const { channels = 1, ...rest } = checkOptions(options, PHOTO_DENOISER_OPTIONS, 'presets.photoDenoiser');
  if (channels !== 1 && channels !== 3) {
    throw new Error(`presets.photoDenoiser: channels must be 1 (grey photographs) or 3 (colour), got ${describeValue(channels)}`);
  }
  const [json, b64] = channels === 3 ? [PHOTO_COLOUR_MODEL_JSON, PHOTO_COLOUR_WEIGHTS_BASE64] : [PHOTO_MODEL_JSON, PHOTO_WEIGHTS_BASE64];
  const weights = base64ToBytes(b64);
  return modelFromFiles(JSON.parse(json), () => weights, rest, 'presets.photoDenoiser()');
}
