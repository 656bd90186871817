// The Keras blog's autoencoders ("Building Autoencoders in Keras", F. Chollet, 2016), layer for layer,
// keras.io's convolutional denoiser, and a U-Net.
import { Sequential, type SequentialOptions } from './sequential.js';
import { LayersModel, MODEL_OPTIONS, model } from './model.js';
import { input, type SymbolicTensor } from './layer.js';
import { layers } from './layers.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

export type PresetOptions = Omit<SequentialOptions, 'inputShape'> & {
  /** Compile with the tutorial's optimizer and loss (default true). */
  compile?: boolean;
};
const PRESET_OPTIONS: OptionSpec<PresetOptions> = { ...MODEL_OPTIONS, compile: 'value' };

export type BottleneckOptions = PresetOptions & {
  /** Numbers per digit in the bottleneck (default 10). */
  codeSize?: number;
};
export type DenseAutoencoderOptions = PresetOptions & {
  /** Units of the code layer (default 32). */
  encodingDim?: number;
};
const BOTTLENECK_OPTIONS: OptionSpec<BottleneckOptions> = { ...PRESET_OPTIONS, codeSize: 'value' };
const DENSE_AUTOENCODER_OPTIONS: OptionSpec<DenseAutoencoderOptions> = { ...PRESET_OPTIONS, encodingDim: 'value' };
export type DncnnOptions = PresetOptions & {
  /** Convolutions (default 17). */
  depth?: number;
  /** Filters of the inner convolutions (default 64). */
  filters?: number;
  /** 1 (grey, default) or 3 (colour). */
  channels?: number;
  /** BatchNormalization after the inner convolutions (default true). */
  batchNorm?: boolean;
  /** Side of the training patches, the model's input (default 40). */
  patchSize?: number;
};

// The tutorial's conv encoder, (28, 28, 1) to (4, 4, 8), and its decoder back.
const tutorialConv = (filters: number, activation: 'relu' | 'sigmoid' = 'relu', padding: 'same' | 'valid' = 'same') =>
  layers.conv2d({ filters, kernelSize: 3, activation, padding });
const tutorialPool = () => layers.maxPooling2d({ poolSize: 2, padding: 'same' });
const tutorialUp = () => layers.upSampling2d({ size: 2 });
const tutorialEncoder = () => [tutorialConv(16), tutorialPool(), tutorialConv(8), tutorialPool(), tutorialConv(8), tutorialPool()];
const tutorialDecoder = () => [tutorialConv(8), tutorialUp(), tutorialConv(8), tutorialUp(), tutorialConv(16, 'relu', 'valid'), tutorialUp(), tutorialConv(1, 'sigmoid')];

/**
 * The convolutional denoiser: encoder Conv(16)-Pool-Conv(8)-Pool-Conv(8)-Pool to (4, 4, 8), decoder
 * Conv(8)-Up-Conv(8)-Up-Conv(16, valid)-Up-Conv(1, sigmoid) back to (28, 28, 1); 4,385 parameters;
 * binary cross-entropy with adadelta (Keras 1: lr 1.0, rho 0.95).
 */
export function kerasTutorial(options: PresetOptions = {}): Sequential {
  const { compile, ...modelOptions } = checkOptions(options, PRESET_OPTIONS, 'presets.kerasTutorial');
  const model = new Sequential({ ...modelOptions, inputShape: [28, 28, 1] }, [...tutorialEncoder(), ...tutorialDecoder()]);
  if (compile !== false) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/**
 * The tutorial's conv autoencoder squeezed through a fully connected bottleneck (the seed's figure D):
 * its conv encoder to (4, 4, 8), Flatten (128), Dense(codeSize, relu) named 'code', Dense(128, relu),
 * Reshape back to (4, 4, 8), and its conv decoder. With the default 10 numbers per digit: 7,083
 * parameters (the tutorial's 4,385 + 1,290 + 1,408). Compiled as the tutorial (adadelta, binary
 * cross-entropy). `model.getLayer('code').output` gives a model of the codes.
 */
export function bottleneckAutoencoder(options: BottleneckOptions = {}): Sequential {
  const { codeSize = 10, compile, ...rest } = checkOptions(options, BOTTLENECK_OPTIONS, 'presets.bottleneckAutoencoder');
  if (!Number.isInteger(codeSize) || codeSize < 1) throw new Error(`presets.bottleneckAutoencoder: codeSize must be a positive integer, got ${describeValue(codeSize)}`);
  const model = new Sequential({ ...rest, name: rest.name ?? 'bottleneck_autoencoder', inputShape: [28, 28, 1] }, [
    ...tutorialEncoder(),
    layers.flatten(),
    layers.dense({ units: codeSize, activation: 'relu', name: 'code' }),
    layers.dense({ units: 4 * 4 * 8, activation: 'relu' }),
    layers.reshape({ targetShape: [4, 4, 8] }),
    ...tutorialDecoder(),
  ]);
  if (compile !== false) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/** The tutorial's plain autoencoder on flattened 784-pixel input: Dense(32, relu) then Dense(784, sigmoid). */
export function denseAutoencoder(options: DenseAutoencoderOptions = {}): Sequential {
  const { encodingDim = 32, compile, ...modelOptions } = checkOptions(options, DENSE_AUTOENCODER_OPTIONS, 'presets.denseAutoencoder');
  const model = new Sequential({ ...modelOptions, inputShape: [784] }, [
    layers.dense({ units: encodingDim, activation: 'relu' }),
    layers.dense({ units: 784, activation: 'sigmoid' }),
  ]);
  if (compile !== false) model.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return model;
}

/**
 * DnCNN (Zhang et al. 2017, "Beyond a Gaussian Denoiser"): a residual denoiser. Conv(filters, 3, relu),
 * then depth - 2 times Conv(filters, 3) [BatchNormalization] relu, then Conv(channels, 3) predicting the
 * noise, which is subtracted from the input: output = input - noise. Fully convolutional ('same'
 * everywhere): `inputShape` is the training patch; `withInputShape` runs it on whole pictures. MSE, adam.
 * The paper's grey model is depth 17, filters 64, on 40x40 patches (the defaults).
 */
export function dncnn(options: DncnnOptions = {}): LayersModel {
  checkOptions(options, DNCNN_OPTIONS, 'presets.dncnn');
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

const DNCNN_OPTIONS: OptionSpec<DncnnOptions> = {
  ...PRESET_OPTIONS, depth: 'value', filters: 'value', channels: 'value', batchNorm: 'value', patchSize: 'value',
};

/**
 * keras.io's "Convolutional autoencoder for image denoising" (S. Kumar, 2021), exactly: Input(28, 28, 1),
 * Conv2D(32, 3, relu, same), MaxPooling2D(2, same), Conv2D(32, 3, relu, same), MaxPooling2D(2, same),
 * Conv2DTranspose(32, 3, strides 2, relu, same) x 2, Conv2D(1, 3, sigmoid, same); 28,353 parameters;
 * adam (lr 0.001) and binary cross-entropy. A functional model, as on keras.io.
 */
export function kerasIoDenoiser(options: PresetOptions = {}): LayersModel {
  const { compile, ...modelOptions } = checkOptions(options, PRESET_OPTIONS, 'presets.kerasIoDenoiser');
  const x = input({ shape: [28, 28, 1] });
  const conv = (filters: number, activation: 'relu' | 'sigmoid' = 'relu') => layers.conv2d({ filters, kernelSize: 3, activation, padding: 'same' });
  const pool = () => layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, activation: 'relu', padding: 'same' });
  let h = conv(32).apply(x);
  h = pool().apply(h);
  h = conv(32).apply(h);
  h = pool().apply(h);
  h = up().apply(h);
  h = up().apply(h);
  const model = new LayersModel({ ...modelOptions, inputs: x, outputs: conv(1, 'sigmoid').apply(h) });
  if (compile !== false) model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return model;
}

export type UNetOptions = PresetOptions & {
  /** Poolings (default 2): the input's height and width must be multiples of 2^depth. */
  depth?: number;
  /** Filters of the first level (default 16), doubled at every level down. */
  filters?: number;
  /** Image size [height, width, channels] (default [28, 28, 1]). */
  inputShape?: number[];
  /**
   * Residual learning, as DnCNN (default false): the last layer is a linear 3x3 conv that predicts the
   * noise, and the model's output is the input minus it; compiled with MSE instead of cross-entropy.
   */
  residual?: boolean;
};

const UNET_OPTIONS: OptionSpec<UNetOptions> = { ...PRESET_OPTIONS, depth: 'value', filters: 'value', inputShape: 'value', residual: 'value' };

/**
 * A U-Net (Ronneberger et al. 2015), small: per level down two Conv2D(3x3, relu, same) and a 2x2
 * max-pool; at the bottom two convs; per level up a Conv2DTranspose(2x2, stride 2) (the paper's "up-
 * convolution"), concatenated with the level's skip, and two convs; a 1x1 sigmoid conv out. Functional
 * API; fully convolutional (runs on any size that is a multiple of 2^depth). adam, binary cross-entropy;
 * with `residual: true`, a noise-predicting 3x3 conv subtracted from the input, and MSE.
 */
export function unet(options: UNetOptions = {}): LayersModel {
  checkOptions(options, UNET_OPTIONS, 'presets.unet');
  const depth = options.depth ?? 2, filters = options.filters ?? 16, shape = options.inputShape ?? [28, 28, 1];
  if (!Number.isInteger(depth) || depth < 1 || depth > 6) throw new Error(`unet: depth must be an integer from 1 to 6, got ${describeValue(options.depth)}`);
  if (!Number.isInteger(filters) || filters < 1) throw new Error(`unet: filters must be a positive integer, got ${describeValue(options.filters)}`);
  const grid = 2 ** depth;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0) || shape[0] % grid !== 0 || shape[1] % grid !== 0) {
    throw new Error(`unet: inputShape must be [height, width, channels] with height and width multiples of 2^depth = ${grid}, ` +
      `got ${describeValue(options.inputShape)}` + (Array.isArray(shape) && shape.length === 3 ? ` (the most this size allows is depth ${twos(shape[0]) < 1 || twos(shape[1]) < 1 ? 0 : Math.min(twos(shape[0]), twos(shape[1]))}; or pad the images)` : ''));
  }
  const twoConvs = (t: SymbolicTensor, f: number) => {
    const a = layers.conv2d({ filters: f, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(t);
    return layers.conv2d({ filters: f, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(a);
  };
  const x = input({ shape });
  const skips: SymbolicTensor[] = [];
  let h = x;
  for (let level = 0; level < depth; level++) {
    h = twoConvs(h, filters * 2 ** level);
    skips.push(h);
    h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  }
  h = twoConvs(h, filters * 2 ** depth);
  for (let level = depth - 1; level >= 0; level--) {
    h = layers.conv2dTranspose({ filters: filters * 2 ** level, kernelSize: 2, strides: 2, padding: 'same' }).apply(h);
    h = layers.concatenate().apply([h, skips[level]]);
    h = twoConvs(h, filters * 2 ** level);
  }
  const out = options.residual
    ? layers.subtract({ name: 'denoised' }).apply([x, layers.conv2d({ filters: shape[2], kernelSize: 3, padding: 'same', name: 'noise' }).apply(h)])
    : layers.conv2d({ filters: shape[2], kernelSize: 1, activation: 'sigmoid' }).apply(h);
  const { compile, depth: _d, filters: _f, inputShape: _s, residual, ...modelOptions } = options;
  const model = new LayersModel({ ...modelOptions, name: modelOptions.name ?? 'unet', inputs: x, outputs: out });
  if (compile !== false) model.compile({ optimizer: 'adam', loss: residual ? 'meanSquaredError' : 'binaryCrossentropy' });
  return model;
}

/** How many times n halves evenly. */
function twos(n: number): number {
  let k = 0;
  while (Number.isInteger(n) && n > 0 && n % 2 === 0) { n /= 2; k++; }
  return k;
}

/** The model architectures (the pretrained denoiser joins them in src/presets.ts). */
export const architectures = { kerasTutorial, bottleneckAutoencoder, denseAutoencoder, kerasIoDenoiser, unet, dncnn };
