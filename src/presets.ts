// presets: the model architectures (src/model/presets.ts) and the pretrained denoiser, whose weights
// ship with the package (src/io/model-pretrained.ts). Here, above both, so that model/ never imports io/.
import { architectures, type PresetOptions, type UNetOptions } from './model/presets.js';
import { pretrainedDenoiser } from './io/model-pretrained.js';
import type { LayersModel } from './model/model.js';

export type { PresetOptions, UNetOptions };

/**
 * The denoiser that ships with the package, trained on MNIST digits with Gaussian noise 0.4 (weights
 * embedded: no network, no files): a wider two-pool variant of the tutorial model, 7,265 parameters,
 * built for 28x28x1 input (its layers are fully convolutional: the CLI reruns the weights at a tile size).
 * For light strokes on a dark background, not photographs. Synchronous; compiled unless compile: false.
 */
function pretrained(options: PresetOptions = {}): LayersModel {
  return pretrainedDenoiser(options);
}

export const presets = { ...architectures, pretrained };
