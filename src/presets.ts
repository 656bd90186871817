// presets: the model architectures (src/model/presets.ts) and the pretrained denoiser, whose weights
// ship with the package (src/io/model-pretrained.ts). Here, above both, so that model/ never imports io/.
import { architectures, type BottleneckOptions, type DenseAutoencoderOptions, type DncnnOptions, type PresetOptions, type UNetOptions } from './model/presets.js';
import { pretrainedDenoiser, type PretrainedOptions } from './io/model-pretrained.js';
import { photoDenoiserModel, type PhotoDenoiserOptions } from './io/model-photo.js';
import type { LayersModel } from './model/model.js';

export type { BottleneckOptions, DenseAutoencoderOptions, DncnnOptions, PhotoDenoiserOptions, PresetOptions, PretrainedOptions, UNetOptions };

/**
 * The denoiser that ships with the package, trained on MNIST digits with Gaussian noise 0.4 (weights
 * embedded: no network, no files): a wider two-pool variant of the tutorial model, 7,265 parameters,
 * built for 28x28x1 input (its layers are fully convolutional: the CLI reruns the weights at a tile size).
 * For light strokes on a dark background, not photographs. Synchronous; compiled unless compile: false.
 */
function pretrained(options: PretrainedOptions = {}): LayersModel {
  return pretrainedDenoiser(options);
}

/**
 * The photo denoisers that ship with the package: a residual U-Net (116,881 parameters grey, 117,459
 * colour) blind to the noise level (trained on standard deviations 0 to 50 on the 0-255 scale).
 * `channels: 1` (default) is the grey model (a colour picture goes through it channel by channel),
 * `channels: 3` the colour one (R, G and B at once: one pass, and it sees how the channels agree).
 * Built for 48x48 input and fully convolutional (any size that is a multiple of 4; denoiseImage runs it
 * on pictures of any size). Compiled (MSE, adam) unless compile: false.
 */
function photoDenoiser(options: PhotoDenoiserOptions = {}): LayersModel {
  return photoDenoiserModel(options);
}

export const presets = { ...architectures, pretrained, photoDenoiser };
