// presets: the model architectures (src/model/presets.ts) and the pretrained denoiser, whose weights
// ship with the package (src/io/model-pretrained.ts). Here, above both, so that model/ never imports io/.
import { architectures, type PresetOptions } from './model/presets.js';
import { pretrainedDenoiser } from './io/model-pretrained.js';
import type { LayersModel } from './model/model.js';

export type { PresetOptions };

/**
 * The denoiser that ships with the package, trained on MNIST digits with Gaussian noise 0.4 (weights
 * embedded: no network, no files): a wider two-pool variant of the tutorial model, 7,265 parameters,
 * for 28x28 inputs (the CLI's denoise command tiles larger pictures through it). Synchronous, like the
 * other presets; compiled unless compile: false.
 */
function pretrained(options: PresetOptions = {}): LayersModel {
  return pretrainedDenoiser(options);
}

export const presets = { ...architectures, pretrained };
