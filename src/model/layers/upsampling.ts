// UpSampling2D (nearest neighbour: each pixel repeated size[0] x size[1] times).
import * as L from '../../engine/plan-layout.js';
import { Layer, expectImage, kerasChannelsLast, nameOf, opSpec, pair, type LayerBuild, type LayerType, type Shape } from '../layer.js';
import type { OptionSpec } from '../../train/validate.js';

export interface UpSampling2DArgs {
  size?: number | [number, number];
  name?: string;
}

const UPSAMPLING_OPTIONS: OptionSpec<UpSampling2DArgs> = { size: 'value', name: 'value' };

export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly namePrefix = 'up_sampling2d';

  constructor(args: UpSampling2DArgs = {}) {
    const where = `upSampling2d(${args?.name ?? ''})`;
    super({ size: pair(args?.size, [2, 2], 'size', where), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const [fh, fw] = this.config.size as [number, number];
    const [H, W, C] = expectImage(input, name);
    return {
      outputShape: [H * fh, W * fw, C], weights: [],
      op: opSpec(L.OP_UPSAMPLE2D, { H, W, C, OH: H * fh, OW: W * fw, OC: C, KH: fh, KW: fw, SH: fh, SW: fw }),
    };
  }
}

export const upSampling2dType: LayerType = {
  className: 'UpSampling2D',
  options: UPSAMPLING_OPTIONS,
  optionNotes: { interpolation: 'only nearest-neighbour upsampling is implemented' },
  factory: 'upSampling2d',
  create: (args?: UpSampling2DArgs) => new UpSampling2D(args),
  fullyConvolutional: true,
  toKeras: (c) => ({ size: c.size, data_format: 'channels_last', interpolation: 'nearest' }),
  fromKeras(get, fail) {
    kerasChannelsLast(get, fail);
    const interp = get('interpolation');
    if (interp !== undefined && interp !== null && interp !== 'nearest') throw fail(`interpolation ${JSON.stringify(interp)} is not supported (only nearest)`);
    return { size: get('size') ?? 2 };
  },
};
