// The Keras blog's autoencoders ("Building Autoencoders in Keras", F. Chollet, 2016), layer for layer.
import { Sequential, type SequentialOptions } from './sequential.js';
import { layers } from './layers.js';
import { pretrainedDenoiser } from '../io/model-pretrained.js';

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
 * The denoiser that ships with the package, trained on MNIST digits with Gaussian noise 0.4 (weights
 * embedded: no network, no files): a wider two-pool variant of the tutorial model, 7,265 parameters,
 * built for 28x28x1 input (its layers are fully convolutional: the CLI reruns the weights at a tile size).
 * For light strokes on a dark background, not photographs. Synchronous; compiled unless compile: false.
 */
export function pretrained(options: PresetOptions = {}): Sequential {
  return pretrainedDenoiser(options);
}

export const presets = { kerasTutorial, denseAutoencoder, pretrained };
