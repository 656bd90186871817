// BatchNormalization (Keras semantics) on the channel (last) axis: batch statistics while training (the
// moving mean and variance updated as Keras and TF.js do), moving statistics in predict and evaluate.
import * as L from '../../engine/plan-layout.js';
import { Layer, nameOf, opSpec, type LayerBuild, type LayerType, type Shape } from '../layer.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';

export interface BatchNormalizationArgs {
  /** The normalised axis: the last (channels), -1 (Keras's default). */
  axis?: number;
  /** Of the moving averages: moving = moving * momentum + batch * (1 - momentum). Default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root. Default 0.001. */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  name?: string;
}

const BATCH_NORMALIZATION_OPTIONS: OptionSpec<BatchNormalizationArgs> = {
  axis: 'value', momentum: 'value', epsilon: 'value', center: 'value', scale: 'value', name: 'value',
};

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly namePrefix = 'batch_normalization';

  constructor(args: BatchNormalizationArgs = {}) {
    const where = `batchNormalization(${args?.name ?? ''})`;
    const num = (v: unknown, fallback: number, what: string, ok: (x: number) => boolean) => {
      if (v === undefined) return fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new Error(`${where}: ${what}, got ${describeValue(v)}`);
      return v;
    };
    const flag = (v: unknown, what: string) => {
      if (v !== undefined && typeof v !== 'boolean') throw new Error(`${where}: ${what} must be true or false, got ${describeValue(v)}`);
      return v !== false;
    };
    const axis = args?.axis ?? -1;
    if (!Number.isInteger(axis)) throw new Error(`${where}: axis must be an integer (-1: the channels), got ${describeValue(axis)}`);
    super({
      axis,
      momentum: num(args?.momentum, 0.99, 'momentum must be in [0, 1]', (x) => x >= 0 && x <= 1),
      epsilon: num(args?.epsilon, 0.001, 'epsilon must be a number > 0', (x) => x > 0),
      center: flag(args?.center, 'center'),
      scale: flag(args?.scale, 'scale'),
      ...nameOf(args, where),
    });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { axis, momentum, epsilon, center, scale } = this.config as Required<BatchNormalizationArgs>;
    if (axis !== -1 && axis !== input.length) {
      throw new Error(`only the last (channel) axis can be normalised: axis -1 or ${input.length}, got ${axis}`);
    }
    const C = input[input.length - 1];
    const rows = input.slice(0, -1).reduce((a, b) => a * b, 1);
    return {
      outputShape: [...input],
      weights: [
        ...(scale ? [{ name: `${name}/gamma`, shape: [C], init: 'ones' as const, role: 'kernel' as const }] : []),
        ...(center ? [{ name: `${name}/beta`, shape: [C], role: 'bias' as const }] : []),
        { name: `${name}/moving_mean`, shape: [C], trainable: false, role: 'mean' },
        { name: `${name}/moving_variance`, shape: [C], init: 'ones', trainable: false, role: 'variance' },
      ],
      op: opSpec(L.OP_BATCH_NORM, { H: rows, C, OH: rows, OC: C, chunkStats: 2 * C,
        f32Fields: { [L.F_BN_EPSILON]: epsilon, [L.F_BN_DECAY]: 1 - momentum } }),
    };
  }
}

export const batchNormalizationType: LayerType = {
  className: 'BatchNormalization',
  factory: 'batchNormalization',
  create: (args?: BatchNormalizationArgs) => new BatchNormalization(args),
  options: BATCH_NORMALIZATION_OPTIONS,
  fullyConvolutional: true,
  toKeras: (c) => ({ axis: c.axis, momentum: c.momentum, epsilon: c.epsilon, center: c.center, scale: c.scale,
    beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} },
    moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
    beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null }),
  fromKeras(get, fail) {
    for (const key of ['renorm', 'synchronized']) if (get(key) === true) throw fail(`${key}: true is not supported`);
    const vbs = get('virtual_batch_size');
    if (vbs !== undefined && vbs !== null) throw fail('virtual_batch_size is not supported');
    let axis = get('axis') ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) throw fail(`axis ${JSON.stringify(axis)} is not supported (one axis: the channels)`);
      axis = axis[0];
    }
    return { axis, momentum: get('momentum'), epsilon: get('epsilon'), center: get('center') ?? true, scale: get('scale') ?? true };
  },
};
