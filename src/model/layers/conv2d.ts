// Conv2D (Keras semantics): y = act(conv(x, kernel) + bias), kernel HWIO, TF's 'same'/'valid' padding.
import * as L from '../../engine/plan-layout.js';
import {
  Layer, activationOf, expectImage, kerasActivation, kerasChannelsLast, kerasPadding, nameOf, opSpec, pair, paddingOf,
  positiveInt, windowed, type Activation, type KerasConfigReader, type LayerBuild, type LayerType, type Padding, type Shape,
} from '../layer.js';
import { KERNEL_OPTIONS, kernelAndBias, kernelOptionsFromKeras, kernelOptionsOf, kernelOptionsToKeras, type KernelOptions } from './kernel-options.js';
import type { OptionSpec } from '../../train/validate.js';

export interface Conv2DArgs extends KernelOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: Activation;
  name?: string;
}

export const CONV_OPTIONS: OptionSpec<Conv2DArgs> = {
  filters: 'value', kernelSize: 'value', strides: 'value', padding: 'value', activation: 'value', name: 'value', ...KERNEL_OPTIONS,
};

/** Keras Conv2D options we lack (dilationRate and groups other than 1 are refused in model files too). */
export const CONV_NOTES = {
  dilationRate: 'dilated convolutions are not implemented (only 1)',
  dataFormat: "only channels last ('channelsLast'): images are NHWC",
};

/** The options Conv2D and Conv2DTranspose share, checked and with Keras's defaults. */
export function convOptions(args: Conv2DArgs, where: string): Record<string, unknown> {
  return {
    filters: positiveInt(args?.filters, 'filters', where),
    kernelSize: pair(args.kernelSize, [0, 0], 'kernelSize', where),
    strides: pair(args.strides, [1, 1], 'strides', where),
    padding: paddingOf(args.padding, where),
    activation: activationOf(args.activation, where),
    ...kernelOptionsOf(args, where),
    ...nameOf(args, where),
  };
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly namePrefix = 'conv2d';

  constructor(args: Conv2DArgs) {
    super(convOptions(args, `conv2d(${args?.name ?? ''})`));
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { filters: OC, kernelSize, strides, padding, activation } = this.config as Required<Conv2DArgs> & { kernelSize: [number, number]; strides: [number, number] };
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, kernelSize, strides, padding, name);
    const [KH, KW] = kernelSize;
    return {
      outputShape: [h.out, w.out, OC],
      weights: kernelAndBias(name, this.config, [KH, KW, C, OC], { fanIn: KH * KW * C, fanOut: KH * KW * OC }, OC),
      op: opSpec(L.OP_CONV2D, { activation, H, W, C, OH: h.out, OW: w.out, OC, KH, KW, SH: strides[0], SW: strides[1],
        padTop: h.before, padLeft: w.before }),
    };
  }
}

export const conv2dType: LayerType = {
  className: 'Conv2D',
  factory: 'conv2d',
  create: (args: Conv2DArgs) => new Conv2D(args),
  options: CONV_OPTIONS,
  optionNotes: CONV_NOTES,
  fullyConvolutional: true,
  gridStride: (c) => c.strides as [number, number],
  toKeras: (c) => convToKeras(c),
  fromKeras: (get, fail) => convFromKeras(get, fail),
};

/** Conv2D's Keras config (Conv2DTranspose adds output_padding). */
export function convToKeras(c: Record<string, unknown>): Record<string, unknown> {
  return { filters: c.filters, kernel_size: c.kernelSize, strides: c.strides, padding: c.padding,
    data_format: 'channels_last', dilation_rate: [1, 1], activation: c.activation, ...kernelOptionsToKeras(c) };
}

/** Conv2D's options from a Keras config (dilation and groups refused unless 1). */
export function convFromKeras(get: KerasConfigReader, fail: (what: string) => Error): Record<string, unknown> {
  kerasChannelsLast(get, fail);
  const d = get('dilation_rate');
  if (d !== undefined && d !== null && ![].concat(d as never).every((x: unknown) => x === 1)) throw fail(`dilation_rate ${JSON.stringify(d)} is not supported (only 1)`);
  const g = get('groups');
  if (g !== undefined && g !== null && g !== 1) throw fail(`groups ${JSON.stringify(g)} is not supported (only 1)`);
  return { filters: get('filters'), kernelSize: get('kernel_size'), strides: get('strides') ?? 1,
    padding: kerasPadding(get, fail), activation: kerasActivation(get, fail), ...kernelOptionsFromKeras(get, fail) };
}
