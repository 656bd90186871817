// Dense (Keras semantics: acts on the last axis, so an input [h, w, c] is h*w rows of c features).
import * as L from '../../engine/plan-layout.js';
import { KERNEL_OPTIONS, kernelAndBias, kernelOptionsFromKeras, kernelOptionsOf, kernelOptionsToKeras, type KernelOptions } from './kernel-options.js';
import { Layer, activationOf, kerasActivation, nameOf, opSpec, positiveInt, type Activation, type LayerBuild, type LayerType, type Shape } from '../layer.js';
import type { OptionSpec } from '../../train/validate.js';

export interface DenseArgs extends KernelOptions {
  units: number;
  activation?: Activation;
  name?: string;
}

const DENSE_OPTIONS: OptionSpec<DenseArgs> = { units: 'value', activation: 'value', name: 'value', ...KERNEL_OPTIONS };

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly namePrefix = 'dense';

  constructor(args: DenseArgs) {
    const where = `dense(${args?.name ?? ''})`;
    super({ units: positiveInt(args?.units, 'units', where), activation: activationOf(args.activation, where), ...kernelOptionsOf(args, where), ...nameOf(args, where) });
  }

  build([input]: Shape[], name: string): LayerBuild {
    const IN = input[input.length - 1];
    const rows = input.slice(0, -1).reduce((a, b) => a * b, 1);
    const OUT = this.config.units as number;
    return {
      outputShape: [...input.slice(0, -1), OUT],
      weights: kernelAndBias(name, this.config, [IN, OUT], { fanIn: IN, fanOut: OUT }, OUT),
      op: opSpec(L.OP_DENSE, { activation: this.config.activation as Activation, H: rows, C: IN, OH: rows, OC: OUT }),
    };
  }
}

export const denseType: LayerType = {
  className: 'Dense',
  factory: 'dense',
  create: (args: DenseArgs) => new Dense(args),
  options: DENSE_OPTIONS,
  fullyConvolutional: false,
  toKeras: (c) => ({ units: c.units, activation: c.activation, ...kernelOptionsToKeras(c) }),
  fromKeras(get, fail) {
    return { units: get('units'), activation: kerasActivation(get, fail), ...kernelOptionsFromKeras(get, fail) };
  },
};
