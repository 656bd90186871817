// The layer registry: every layer type, once. The `layers` factories, model files (src/io/model-format.ts),
// the CLI's tiling and the docs read this list; a new layer type is one more line here.
import type { Layer, LayerType } from './layer.js';
import { conv2dType, type Conv2DArgs } from './layers/conv2d.js';
import { conv2dTransposeType, type Conv2DTransposeArgs } from './layers/conv2d-transpose.js';
import { maxPooling2dType, averagePooling2dType, type MaxPooling2DArgs, type AveragePooling2DArgs } from './layers/pooling.js';
import { upSampling2dType, type UpSampling2DArgs } from './layers/upsampling.js';
import { denseType, type DenseArgs } from './layers/dense.js';
import { flattenType, reshapeType, type ReshapeArgs } from './layers/reshape.js';
import { activationType, leakyReluType, type ActivationArgs, type LeakyReLUArgs } from './layers/activation.js';
import { batchNormalizationType, type BatchNormalizationArgs } from './layers/batch-normalization.js';
import { dropoutType, gaussianNoiseType, type DropoutArgs, type GaussianNoiseArgs } from './layers/noise.js';
import { addType, subtractType, multiplyType, averageType, maximumType, concatenateType, type ConcatenateArgs } from './layers/merge.js';

export type { Layer, LayerType, Shape, Activation, Padding, WeightSpec, BuiltLayer } from './layer.js';
export type { Regularizer } from './layers/kernel-options.js';
export type { Conv2DArgs, Conv2DTransposeArgs, MaxPooling2DArgs, AveragePooling2DArgs, UpSampling2DArgs, DenseArgs, ReshapeArgs, ActivationArgs, ConcatenateArgs, BatchNormalizationArgs };
export type { LeakyReLUArgs, DropoutArgs, GaussianNoiseArgs };

export const LAYER_TYPES: readonly LayerType[] = [
  conv2dType, maxPooling2dType, upSampling2dType, denseType, flattenType, reshapeType, activationType,
  addType, subtractType, multiplyType, averageType, maximumType, concatenateType, batchNormalizationType,
  leakyReluType, dropoutType, gaussianNoiseType, conv2dTransposeType, averagePooling2dType,
];

/** The layer type of a Keras class name, or undefined. */
export function layerType(className: string): LayerType | undefined {
  return LAYER_TYPES.find((t) => t.className === className);
}

/** A new layer like `layer` (same class and options), with weights of its own. */
export function recreateLayer(layer: Layer): Layer {
  return layerType(layer.className)!.create(structuredClone(layer.config) as never);
}

type NameOnly = { name?: string };

/** Layer factories, named as in TF.js (`tf.layers.conv2d(...)`). */
export const layers = {
  conv2d: (args: Conv2DArgs): Layer => conv2dType.create(args as never),
  conv2dTranspose: (args: Conv2DTransposeArgs): Layer => conv2dTransposeType.create(args as never),
  maxPooling2d: (args?: MaxPooling2DArgs): Layer => maxPooling2dType.create(args as never),
  /** Mean of each window (Keras's AveragePooling2D; 'same' padding is left out of the mean, as TF does). */
  averagePooling2d: (args?: AveragePooling2DArgs): Layer => averagePooling2dType.create(args as never),
  upSampling2d: (args?: UpSampling2DArgs): Layer => upSampling2dType.create(args as never),
  dense: (args: DenseArgs): Layer => denseType.create(args as never),
  flatten: (args?: NameOnly): Layer => flattenType.create(args as never),
  reshape: (args: ReshapeArgs): Layer => reshapeType.create(args as never),
  activation: (args: ActivationArgs): Layer => activationType.create(args as never),
  add: (args?: NameOnly): Layer => addType.create(args as never),
  subtract: (args?: NameOnly): Layer => subtractType.create(args as never),
  multiply: (args?: NameOnly): Layer => multiplyType.create(args as never),
  average: (args?: NameOnly): Layer => averageType.create(args as never),
  maximum: (args?: NameOnly): Layer => maximumType.create(args as never),
  concatenate: (args?: ConcatenateArgs): Layer => concatenateType.create(args as never),
  batchNormalization: (args?: BatchNormalizationArgs): Layer => batchNormalizationType.create(args as never),
  leakyReLU: (args?: LeakyReLUArgs): Layer => leakyReluType.create(args as never),
  dropout: (args: DropoutArgs): Layer => dropoutType.create(args as never),
  gaussianNoise: (args: GaussianNoiseArgs): Layer => gaussianNoiseType.create(args as never),
};
