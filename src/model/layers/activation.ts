// Activation (Keras's layer): y = act(x) elementwise, on its own; and LeakyReLU, whose slope is a parameter.
import * as L from '../../engine/plan-layout.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';
import { Layer, activationOf, kerasActivation, nameOf, opSpec, type Activation, type LayerBuild, type LayerType, type Shape } from '../layer.js';

export interface ActivationArgs {
  activation: Activation;
  name?: string;
}

const ACTIVATION_OPTIONS: OptionSpec<ActivationArgs> = { activation: 'value', name: 'value' };

export class ActivationLayer extends Layer {
  readonly className = 'Activation';
  readonly namePrefix = 'activation';

  constructor(args: ActivationArgs) {
    const where = `activation(${args?.name ?? ''})`;
    if (args?.activation === undefined) throw new Error(`${where}: give the activation, e.g. layers.activation({ activation: 'relu' })`);
    super({ activation: activationOf(args.activation, where), ...nameOf(args, where) });
  }

  build([input]: Shape[]): LayerBuild {
    const size = input.reduce((a, b) => a * b, 1);
    return { outputShape: [...input], weights: [], op: opSpec(L.OP_ACTIVATION, { activation: this.config.activation as Activation, H: size, OH: size }) };
  }
}

export const activationType: LayerType = {
  className: 'Activation',
  factory: 'activation',
  create: (args: ActivationArgs) => new ActivationLayer(args),
  options: ACTIVATION_OPTIONS,
  fullyConvolutional: true,
  toKeras: (c) => ({ activation: c.activation }),
  fromKeras: (get, fail) => ({ activation: kerasActivation(get, fail) }),
};

export interface LeakyReLUArgs {
  /** Slope for x < 0 (Keras's and TF.js's default 0.3; Keras 3 calls it negative_slope). */
  alpha?: number;
  name?: string;
}

const LEAKY_RELU_OPTIONS: OptionSpec<LeakyReLUArgs> = { alpha: 'value', name: 'value' };

export class LeakyReLU extends Layer {
  readonly className = 'LeakyReLU';
  readonly namePrefix = 'leaky_re_lu';

  constructor(args: LeakyReLUArgs = {}) {
    const where = `leakyReLU(${args?.name ?? ''})`;
    const alpha = args?.alpha ?? 0.3;
    // alpha >= 0 keeps the function monotone, so backward can tell x's side of 0 from y alone
    if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
      throw new Error(`${where}: alpha must be a finite number >= 0 (the slope below 0; Keras's default is 0.3), got ${describeValue(alpha)}`);
    }
    super({ alpha, ...nameOf(args, where) });
  }

  build([input]: Shape[]): LayerBuild {
    const size = input.reduce((a, b) => a * b, 1);
    return { outputShape: [...input], weights: [], op: opSpec(L.OP_LEAKY_RELU, { H: size, OH: size, f32Fields: { [L.F_ALPHA]: this.config.alpha as number } }) };
  }
}

export const leakyReluType: LayerType = {
  className: 'LeakyReLU',
  factory: 'leakyReLU',
  create: (args?: LeakyReLUArgs) => new LeakyReLU(args),
  options: LEAKY_RELU_OPTIONS,
  optionNotes: { negativeSlope: "Keras 3's negative_slope is alpha here" },
  fullyConvolutional: true,
  toKeras: (c) => ({ alpha: c.alpha }),
  fromKeras: (get) => {
    const alpha = get('alpha') ?? get('negative_slope');   // Keras 2 / TF.js, Keras 3
    return alpha === undefined || alpha === null ? {} : { alpha };
  },
};
