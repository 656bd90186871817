// The pretrained denoiser that ships with the package (presets.pretrained()): model.json and weights.bin
// of pretrained/denoiser/, embedded in model-pretrained-data.ts as text and base64 by
// scripts/train-pretrained.mjs, so that loading needs no file system, no fetch and no bundler setup.
import type { LayersModel } from '../model/model.js';
import { LOAD_MODEL_OPTIONS, modelFromFiles, type LoadModelOptions } from './model-format.js';
import { checkOptions, type OptionSpec } from '../train/validate.js';
import { PRETRAINED_MODEL_JSON, PRETRAINED_WEIGHTS_BASE64 } from './model-pretrained-data.js';

/** Bytes of a base64 string (atob: browsers and Node 16+). */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export type PretrainedOptions = LoadModelOptions;
const PRETRAINED_OPTIONS: OptionSpec<PretrainedOptions> = LOAD_MODEL_OPTIONS;

/**
 * The convolutional denoiser trained on the embedded MNIST digits with Gaussian noise 0.4 (see README:
 * architecture, training settings and scores); compiled with its loss and optimizer unless compile: false.
 */
export function pretrainedDenoiser(options: PretrainedOptions = {}): LayersModel {
  const checked = checkOptions(options, PRETRAINED_OPTIONS, 'presets.pretrained');
  const weights = base64ToBytes(PRETRAINED_WEIGHTS_BASE64);
  return modelFromFiles(JSON.parse(PRETRAINED_MODEL_JSON), () => weights, checked, 'presets.pretrained()');
}
