// The layer registry: every layer type, once. The `layers` factories, model files (src/io/model-format.ts),
// the CLI's tiling and the docs read this list; a new layer type is one more line here.
import type { Layer, LayerType } from './layer.js';
import { checkOptions } from '../train/validate.js';
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

/** Options no layer takes, each with what to do instead (TF.js lets a first layer carry the input's shape). */
const LAYER_NOTES = {
  inputShape: "give the input's shape to the model: new Sequential({ inputShape }, [...]) or input({ shape })",
  batchInputShape: "give the input's shape to the model: new Sequential({ inputShape }, [...]) or input({ shape })",
};

/** A layer of `type` from a factory's options, checked against the options the type declares. */
function create(type: LayerType, args: unknown): Layer {
  const name = (args as { name?: unknown } | undefined)?.name;
  checkOptions(args, type.options, `${type.factory}(${typeof name === 'string' ? name : ''})`, { ...LAYER_NOTES, ...type.optionNotes });
  return type.create(args as never);
}

/** Layer factories, named as in TF.js (`tf.layers.conv2d(...)`). */
export const layers = {
  conv2d: (args: Conv2DArgs): Layer => create(conv2dType, args),
  conv2dTranspose: (args: Conv2DTransposeArgs): Layer => create(conv2dTransposeType, args),
  maxPooling2d: (args?: MaxPooling2DArgs): Layer => create(maxPooling2dType, args),
  /** Mean of each window (Keras's AveragePooling2D; 'same' padding is left out of the mean, as TF does). */
  averagePooling2d: (args?: AveragePooling2DArgs): Layer => create(averagePooling2dType, args),
  upSampling2d: (args?: UpSampling2DArgs): Layer => create(upSampling2dType, args),
  dense: (args: DenseArgs): Layer => create(denseType, args),
  flatten: (args?: NameOnly): Layer => create(flattenType, args),
  reshape: (args: ReshapeArgs): Layer => create(reshapeType, args),
  activation: (args: ActivationArgs): Layer => create(activationType, args),
  add: (args?: NameOnly): Layer => create(addType, args),
  subtract: (args?: NameOnly): Layer => create(subtractType, args),
  multiply: (args?: NameOnly): Layer => create(multiplyType, args),
  average: (args?: NameOnly): Layer => create(averageType, args),
  maximum: (args?: NameOnly): Layer => create(maximumType, args),
  concatenate: (args?: ConcatenateArgs): Layer => create(concatenateType, args),
  batchNormalization: (args?: BatchNormalizationArgs): Layer => create(batchNormalizationType, args),
  leakyReLU: (args?: LeakyReLUArgs): Layer => create(leakyReluType, args),
  dropout: (args: DropoutArgs): Layer => create(dropoutType, args),
  gaussianNoise: (args: GaussianNoiseArgs): Layer => create(gaussianNoiseType, args),
};
