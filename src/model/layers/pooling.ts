// MaxPooling2D (Keras semantics; 'same' padding never wins a max).
import * as L from '../../engine/plan-layout.js';
import {
  Layer, expectImage, kerasChannelsLast, kerasPadding, nameOf, opSpec, pair, paddingOf, windowed,
  type LayerBuild, type LayerType, type Padding, type Shape,
} from '../layer.js';

export interface MaxPooling2DArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}

export class MaxPooling2D extends Layer {
  readonly className = 'MaxPooling2D';
  readonly namePrefix = 'max_pooling2d';

  constructor(args: MaxPooling2DArgs = {}) {
    const where = `maxPooling2d(${args?.name ?? ''})`;
    const poolSize = pair(args?.poolSize, [2, 2], 'poolSize', where);
    super({ poolSize, strides: pair(args?.strides, poolSize, 'strides', where), padding: paddingOf(args?.padding, where), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { poolSize, strides, padding } = this.config as { poolSize: [number, number]; strides: [number, number]; padding: Padding };
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, poolSize, strides, padding, name);
    return {
      outputShape: [h.out, w.out, C], weights: [],
      op: opSpec(L.OP_MAXPOOL2D, { H, W, C, OH: h.out, OW: w.out, OC: C, KH: poolSize[0], KW: poolSize[1], SH: strides[0],
        SW: strides[1], padTop: h.before, padLeft: w.before, auxPerSample: h.out * w.out * C }),
    };
  }
}

export const maxPooling2dType: LayerType = {
  className: 'MaxPooling2D',
  factory: 'maxPooling2d',
  create: (args?: MaxPooling2DArgs) => new MaxPooling2D(args),
  fullyConvolutional: true,
  gridStride: (c) => c.strides as [number, number],
  toKeras: (c) => ({ pool_size: c.poolSize, strides: c.strides, padding: c.padding, data_format: 'channels_last' }),
  fromKeras(get, fail) {
    kerasChannelsLast(get, fail);
    const pool = get('pool_size') ?? 2;
    return { poolSize: pool, strides: get('strides') ?? pool, padding: kerasPadding(get, fail) };
  },
};
