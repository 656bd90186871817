// Activation (Keras's layer): y = act(x) elementwise, on its own.
import * as L from '../../engine/plan-layout.js';
import { Layer, activationOf, kerasActivation, nameOf, opSpec, type Activation, type LayerBuild, type LayerType, type Shape } from '../layer.js';

export interface ActivationArgs {
  activation: Activation;
  name?: string;
}

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
  fullyConvolutional: true,
  toKeras: (c) => ({ activation: c.activation }),
  fromKeras: (get, fail) => ({ activation: kerasActivation(get, fail) }),
};
