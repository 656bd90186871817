// MaxPooling2D and AveragePooling2D (Keras semantics): 'same' padding never wins a max and is left out
// of a mean (TF divides each window's sum by its real elements only).
import * as L from '../../engine/plan-layout.js';
import {
  Layer, expectImage, kerasChannelsLast, kerasPadding, nameOf, opSpec, pair, paddingOf, windowed,
  type LayerBuild, type LayerType, type Padding, type Shape,
} from '../layer.js';
import type { OptionSpec } from '../../train/validate.js';

export interface Pooling2DArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}
export type MaxPooling2DArgs = Pooling2DArgs;
export type AveragePooling2DArgs = Pooling2DArgs;

const POOLING_OPTIONS: OptionSpec<Pooling2DArgs> = { poolSize: 'value', strides: 'value', padding: 'value', name: 'value' };

abstract class Pooling2D extends Layer {
  protected abstract readonly opCode: number;

  constructor(args: Pooling2DArgs, factory: string) {
    const where = `${factory}(${args?.name ?? ''})`;
    const poolSize = pair(args?.poolSize, [2, 2], 'poolSize', where);
    super({ poolSize, strides: pair(args?.strides, poolSize, 'strides', where), padding: paddingOf(args?.padding, where), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { poolSize, strides, padding } = this.config as { poolSize: [number, number]; strides: [number, number]; padding: Padding };
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, poolSize, strides, padding, name);
    const max = this.opCode === L.OP_MAXPOOL2D;
    return {
      outputShape: [h.out, w.out, C], weights: [],
      op: opSpec(this.opCode, { H, W, C, OH: h.out, OW: w.out, OC: C, KH: poolSize[0], KW: poolSize[1], SH: strides[0],
        SW: strides[1], padTop: h.before, padLeft: w.before, ...(max ? { auxPerSample: h.out * w.out * C } : {}) }),
    };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  readonly namePrefix = 'max_pooling2d';
  protected readonly opCode = L.OP_MAXPOOL2D;
  constructor(args: MaxPooling2DArgs = {}) { super(args, 'maxPooling2d'); }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  readonly namePrefix = 'average_pooling2d';
  protected readonly opCode = L.OP_AVGPOOL2D;
  constructor(args: AveragePooling2DArgs = {}) { super(args, 'averagePooling2d'); }
}

function poolingType(className: string, factory: string, create: (args?: Pooling2DArgs) => Layer): LayerType {
  return {
    className, factory, create,
    options: POOLING_OPTIONS,
    fullyConvolutional: true,
    gridStride: (c) => c.strides as [number, number],
    toKeras: (c) => ({ pool_size: c.poolSize, strides: c.strides, padding: c.padding, data_format: 'channels_last' }),
    fromKeras(get, fail) {
      kerasChannelsLast(get, fail);
      const pool = get('pool_size') ?? 2;
      return { poolSize: pool, strides: get('strides') ?? pool, padding: kerasPadding(get, fail) };
    },
  };
}

export const maxPooling2dType = poolingType('MaxPooling2D', 'maxPooling2d', (args) => new MaxPooling2D(args));
export const averagePooling2dType = poolingType('AveragePooling2D', 'averagePooling2d', (args) => new AveragePooling2D(args));
