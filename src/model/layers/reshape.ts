// Flatten and Reshape: views of their input's buffer (no op, no copy; NHWC is already row-major).
import { Layer, NAME_ONLY, kerasChannelsLast, nameOf, type LayerBuild, type LayerType, type Shape } from '../layer.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly namePrefix = 'flatten';

  constructor(args: { name?: string } = {}) {
    super({ ...nameOf(args, 'flatten') });
  }

  build([input]: Shape[]): LayerBuild {
    return { outputShape: [input.reduce((a, b) => a * b, 1)], weights: [], op: null };
  }
}

export interface ReshapeArgs {
  targetShape: number[];
  name?: string;
}

const RESHAPE_OPTIONS: OptionSpec<ReshapeArgs> = { targetShape: 'value', name: 'value' };

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly namePrefix = 'reshape';

  constructor(args: ReshapeArgs) {
    const t = args?.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) ||
        t.filter((d) => d === -1).length > 1) {
      throw new Error(`reshape: targetShape must be positive integers with at most one -1, got ${describeValue(t)}`);
    }
    super({ targetShape: [...t], ...nameOf(args, 'reshape') });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const target = this.config.targetShape as number[];
    const size = input.reduce((a, b) => a * b, 1);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = target.map((d) => (d === -1 ? size / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || out.reduce((a, b) => a * b, 1) !== size) {
      throw new Error(`${name}: cannot reshape [${input}] (${size} values) into [${target}]`);
    }
    return { outputShape: out, weights: [], op: null };
  }
}

export const flattenType: LayerType = {
  className: 'Flatten',
  factory: 'flatten',
  create: (args?: { name?: string }) => new Flatten(args),
  options: NAME_ONLY,
  fullyConvolutional: false,
  toKeras: () => ({ data_format: 'channels_last' }),
  fromKeras(get, fail) {
    kerasChannelsLast(get, fail);
    return {};
  },
};

export const reshapeType: LayerType = {
  className: 'Reshape',
  factory: 'reshape',
  create: (args: ReshapeArgs) => new Reshape(args),
  options: RESHAPE_OPTIONS,
  fullyConvolutional: false,
  toKeras: (c) => ({ target_shape: c.targetShape }),
  fromKeras: (get) => ({ targetShape: get('target_shape') }),
};
