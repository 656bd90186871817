// Merge layers (Keras semantics): add, subtract, multiply, average, maximum of equal shapes, and
// concatenate on the channel (last) axis.
import * as L from '../../engine/plan-layout.js';
import { Layer, NAME_ONLY, nameOf, opSpec, type LayerBuild, type LayerType, type Shape } from '../layer.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';

type MergeMode = 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum';
const CODES: Record<MergeMode, number> = { Add: L.OP_ADD, Subtract: L.OP_SUBTRACT, Multiply: L.OP_MULTIPLY, Average: L.OP_AVERAGE, Maximum: L.OP_MAXIMUM };
const PREFIXES: Record<MergeMode, string> = { Add: 'add', Subtract: 'subtract', Multiply: 'multiply', Average: 'average', Maximum: 'maximum' };

const shapeText = (shapes: Shape[]) => shapes.map((s) => `[${s}]`).join(', ');

/** Elementwise merge of two or more tensors of one shape (subtract: exactly two). */
export class ElementwiseMerge extends Layer {
  readonly className: MergeMode;
  readonly namePrefix: string;
  override readonly arity = 'many';

  constructor(mode: MergeMode, args: { name?: string } = {}) {
    super({ ...nameOf(args, PREFIXES[mode]) });
    this.className = mode;
    this.namePrefix = PREFIXES[mode];
  }

  build(inputs: Shape[], name: string): LayerBuild {
    if (this.className === 'Subtract' && inputs.length !== 2) {
      throw new Error(`${name}: subtract takes exactly two inputs (a - b), got ${inputs.length}`);
    }
    const first = inputs[0];
    if (!inputs.every((s) => s.join() === first.join())) {
      throw new Error(`${name}: ${this.namePrefix} needs inputs of one shape, got ${shapeText(inputs)}`);
    }
    const size = first.reduce((a, b) => a * b, 1);
    return { outputShape: [...first], weights: [], op: opSpec(CODES[this.className], { H: size, OH: size, C: inputs.length }) };
  }
}

export interface ConcatenateArgs {
  /** The axis to join along: only the last (channel) axis, -1 (Keras's default). */
  axis?: number;
  name?: string;
}

const CONCATENATE_OPTIONS: OptionSpec<ConcatenateArgs> = { axis: 'value', name: 'value' };

export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly namePrefix = 'concatenate';
  override readonly arity = 'many';

  constructor(args: ConcatenateArgs = {}) {
    const axis = args?.axis ?? -1;
    if (!Number.isInteger(axis)) throw new Error(`concatenate: axis must be an integer, got ${describeValue(axis)}`);
    super({ axis, ...nameOf(args, 'concatenate') });
  }

  build(inputs: Shape[], name: string): LayerBuild {
    const rank = inputs[0].length;
    const axis = this.config.axis as number;
    if (axis !== -1 && axis !== rank) {
      throw new Error(`${name}: only the last (channel) axis can be concatenated: axis -1 or ${rank}, got ${axis}`);
    }
    const outer = inputs[0].slice(0, -1);
    if (!inputs.every((s) => s.length === rank && s.slice(0, -1).join() === outer.join())) {
      throw new Error(`${name}: concatenate needs inputs that agree on every axis but the last, got ${shapeText(inputs)}`);
    }
    const channels = inputs.map((s) => s[rank - 1]);
    const OC = channels.reduce((a, b) => a + b, 0);
    const rows = outer.reduce((a, b) => a * b, 1);
    return { outputShape: [...outer, OC], weights: [], op: opSpec(L.OP_CONCATENATE, { H: rows, OH: rows, OC, C: inputs.length, inputChannels: channels }) };
  }
}

function mergeType(mode: MergeMode): LayerType {
  return {
    className: mode,
    factory: PREFIXES[mode],
    create: (args?: { name?: string }) => new ElementwiseMerge(mode, args),
    options: NAME_ONLY,
    fullyConvolutional: true,
    toKeras: () => ({}),
    fromKeras: () => ({}),
  };
}

export const addType = mergeType('Add');
export const subtractType = mergeType('Subtract');
export const multiplyType = mergeType('Multiply');
export const averageType = mergeType('Average');
export const maximumType = mergeType('Maximum');

export const concatenateType: LayerType = {
  className: 'Concatenate',
  factory: 'concatenate',
  create: (args?: ConcatenateArgs) => new Concatenate(args),
  options: CONCATENATE_OPTIONS,
  fullyConvolutional: true,
  toKeras: (c) => ({ axis: c.axis }),
  fromKeras: (get) => ({ axis: get('axis') ?? -1 }),
};
