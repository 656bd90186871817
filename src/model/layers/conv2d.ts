// Conv2D (Keras semantics): y = act(conv(x, kernel) + bias), kernel HWIO, TF's 'same'/'valid' padding.
import * as L from '../../engine/plan-layout.js';
import {
  Layer, activationOf, expectImage, kerasActivation, kerasChannelsLast, kerasPadding, nameOf, opSpec, pair, paddingOf,
  positiveInt, windowed, type Activation, type LayerBuild, type LayerType, type Padding, type Shape,
} from '../layer.js';

export interface Conv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: Activation;
  name?: string;
}

export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly namePrefix = 'conv2d';

  constructor(args: Conv2DArgs) {
    const where = `conv2d(${args?.name ?? ''})`;
    super({
      filters: positiveInt(args?.filters, 'filters', where),
      kernelSize: pair(args.kernelSize, [0, 0], 'kernelSize', where),
      strides: pair(args.strides, [1, 1], 'strides', where),
      padding: paddingOf(args.padding, where),
      activation: activationOf(args.activation, where),
      ...nameOf(args, where),
    });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { filters: OC, kernelSize, strides, padding, activation } = this.config as Required<Conv2DArgs> & { kernelSize: [number, number]; strides: [number, number] };
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, kernelSize, strides, padding, name);
    const [KH, KW] = kernelSize;
    return {
      outputShape: [h.out, w.out, OC],
      weights: [
        { name: `${name}/kernel`, shape: [KH, KW, C, OC], fans: { fanIn: KH * KW * C, fanOut: KH * KW * OC } },
        { name: `${name}/bias`, shape: [OC] },
      ],
      op: opSpec(L.OP_CONV2D, { activation, H, W, C, OH: h.out, OW: w.out, OC, KH, KW, SH: strides[0], SW: strides[1],
        padTop: h.before, padLeft: w.before }),
    };
  }
}

export const conv2dType: LayerType = {
  className: 'Conv2D',
  factory: 'conv2d',
  create: (args: Conv2DArgs) => new Conv2D(args),
  fullyConvolutional: true,
  gridStride: (c) => c.strides as [number, number],
  toKeras: (c) => ({ filters: c.filters, kernel_size: c.kernelSize, strides: c.strides, padding: c.padding,
    data_format: 'channels_last', dilation_rate: [1, 1], activation: c.activation, use_bias: true }),
  fromKeras(get, fail) {
    kerasChannelsLast(get, fail);
    if (get('use_bias') === false) throw fail('use_bias: false is not supported (every Conv2D/Dense has a bias)');
    const d = get('dilation_rate');
    if (d !== undefined && d !== null && ![].concat(d as never).every((x: unknown) => x === 1)) throw fail(`dilation_rate ${JSON.stringify(d)} is not supported (only 1)`);
    const g = get('groups');
    if (g !== undefined && g !== null && g !== 1) throw fail(`groups ${JSON.stringify(g)} is not supported (only 1)`);
    return { filters: get('filters'), kernelSize: get('kernel_size'), strides: get('strides') ?? 1,
      padding: kerasPadding(get, fail), activation: kerasActivation(get, fail) };
  },
};
