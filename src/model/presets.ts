// The Keras blog's autoencoders ("Building Autoencoders in Keras", F. Chollet, 2016), layer for layer.
import { Sequential, type SequentialOptions } from './sequential.js';
import { layers } from './layers.js';
import { input } from './layer.js';
import { model, type LayersModel } from './model.js';
import { describeValue } from '../train/validate.js';

export type PresetOptions = Omit<SequentialOptions, 'inputShape'> & {
  /** Compile with the tutorial's optimizer and loss (default true). */
  compile?: boolean;
};

/**
 * The convolutional denoiser: encoder Conv(16)-Pool-Conv(8)-Pool-Conv(8)-Pool to (4, 4, 8), decoder
 * Conv(8)-Up-Conv(8)-Up-Conv(16, valid)-Up-Conv(1, sigmoid) back to (28, 28, 1); 4,385 parameters;
 * binary cross-entropy with adadelta (Keras 1: lr 1.0, rho 0.95).
 */
export function kerasTutorial(options: PresetOptions = {}): Sequential {
  const conv = (filters: number, activation: 'relu' | 'sigmoid' = 'relu', padding: 'same' | 'valid' = 'same') =>
    layers.conv2d({ filters, kernelSize: 3, activation, padding });
  const pool = () => layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => layers.upSampling2d({ size: 2 });
  const model = new Sequential({ ...options, inputShape: [28, 28, 1] }, [
    conv(16), pool(), conv(8), pool(), conv(8), pool(),
    conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid'),
  ]);
  if (options.compile !== false) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/** The tutorial's plain autoencoder on flattened 784-pixel input: Dense(32, relu) then Dense(784, sigmoid). */
export function denseAutoencoder(options: PresetOptions & { encodingDim?: number } = {}): Sequential {
  const model = new Sequential({ ...options, inputShape: [784] }, [
    layers.dense({ units: options.encodingDim ?? 32, activation: 'relu' }),
    layers.dense({ units: 784, activation: 'sigmoid' }),
  ]);
  if (options.compile !== false) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/**
 * DnCNN (Zhang et al. 2017, "Beyond a Gaussian Denoiser"): a residual denoiser. Conv(filters, 3, relu),
 * then depth - 2 times Conv(filters, 3) [BatchNormalization] relu, then Conv(channels, 3) predicting the
 * noise, which is subtracted from the input: output = input - noise. Fully convolutional ('same'
 * everywhere): `inputShape` is the training patch; `withInputShape` runs it on whole pictures. MSE, adam.
 * The paper's grey model is depth 17, filters 64, on 40x40 patches (the defaults).
 */
export function dncnn(options: PresetOptions & { depth?: number; filters?: number; channels?: number; batchNorm?: boolean; patchSize?: number } = {}): LayersModel {
  const depth = options.depth ?? 17, filters = options.filters ?? 64, channels = options.channels ?? 1;
  const size = options.patchSize ?? 40;
  for (const [what, v, min] of [['depth', depth, 3], ['filters', filters, 1], ['patchSize', size, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`presets.dncnn: ${what} must be an integer >= ${min}, got ${describeValue(v)}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`presets.dncnn: channels must be 1 (grey) or 3 (colour), got ${describeValue(channels)}`);
  const conv = (f: number, activation?: 'relu') => layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation });
  const x = input({ shape: [size, size, channels], name: 'noisy' });
  let h = conv(filters, 'relu').apply(x);
  for (let i = 0; i < depth - 2; i++) {
    h = conv(filters).apply(h);
    if (options.batchNorm !== false) h = layers.batchNormalization().apply(h);
    h = layers.activation({ activation: 'relu' }).apply(h);
  }
  const noise = layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same', name: 'noise' }).apply(h);
  const { compile, depth: _d, filters: _f, channels: _c, batchNorm: _b, patchSize: _p, ...modelOptions } = options;
  const m = model({ ...modelOptions, name: modelOptions.name ?? 'dncnn', inputs: x, outputs: layers.subtract({ name: 'denoised' }).apply([x, noise]) });
  if (compile !== false) m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return m;
}

/** The model architectures (the pretrained denoiser joins them in src/presets.ts). */
export const architectures = { kerasTutorial, denseAutoencoder, dncnn };
