// Layers as descriptors: each knows its Keras name and config, infers its output shape from an input
// shape (per sample, no batch axis), and says which weights it owns and which wasm op runs it.
import { describeValue } from '../train/validate.js';

/** Per-sample shape: [H, W, C] for images, [features] for flat data. */
export type Shape = number[];
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh';
export type Padding = 'same' | 'valid';

/** One weight tensor of a layer, in Keras order and layout (conv kernel HWIO, then bias). */
export interface WeightSpec {
  name: string;
  shape: number[];
  /** Glorot fans for the initializer; zero-initialised when absent (biases). */
  fans?: { fanIn: number; fanOut: number };
}

/** The wasm op a layer compiles to, with per-sample geometry (a dense layer has H = rows, W = 1). */
export interface OpSpec {
  kind: 'conv2d' | 'maxPool2d' | 'upSampling2d' | 'dense';
  activation: Activation;
  H: number; W: number; C: number;
  OH: number; OW: number; OC: number;
  KH: number; KW: number; SH: number; SW: number;
  padTop: number; padLeft: number;
}

/** A layer placed in a model: its name, shapes, weights and op (null for Flatten/Reshape: a view). */
export interface BuiltLayer {
  name: string;
  className: string;
  inputShape: Shape;
  outputShape: Shape;
  weights: WeightSpec[];
  op: OpSpec | null;
}

/** A layer descriptor, placed into a model by `build`. */
export interface Layer {
  readonly className: string;
  /** Keras-style config (what model files store). */
  readonly config: Record<string, unknown>;
  /** Keras's default name prefix, e.g. 'conv2d'. */
  readonly namePrefix: string;
  build(input: Shape, name: string): BuiltLayer;
}

const ACTIVATIONS: Activation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

function pair(v: number | [number, number] | number[] | undefined, fallback: [number, number], what: string, layer: string): [number, number] {
  const p = v === undefined ? fallback : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${layer}: ${what} must be a positive integer or a pair of them, got ${describeValue(v)}`);
  }
  return [p[0], p[1]];
}

function activationOf(v: unknown, layer: string): Activation {
  const a = (v ?? 'linear') as Activation;
  if (!ACTIVATIONS.includes(a)) {
    throw new Error(`${layer}: unknown activation ${JSON.stringify(v)}; use one of ${ACTIVATIONS.join(', ')}`);
  }
  return a;
}

function paddingOf(v: unknown, layer: string): Padding {
  const p = (v ?? 'valid') as Padding;
  if (p !== 'same' && p !== 'valid') throw new Error(`${layer}: padding must be 'same' or 'valid', got ${describeValue(v)}`);
  return p;
}

function expectImage(input: Shape, layer: string): [number, number, number] {
  if (input.length !== 3) {
    throw new Error(`${layer}: expects an image input [height, width, channels], got [${input}]` +
      (input.length === 1 ? ' (add layers.reshape({ targetShape: [h, w, c] }) before it)' : ''));
  }
  return [input[0], input[1], input[2]];
}

/**
 * Output size and the padding before it along one axis, as TF computes them: 'same' gives
 * ceil(in / stride) and pads (out - 1) * stride + k - in in total, the odd one after (bottom/right).
 */
export function convAxis(inSize: number, k: number, stride: number, padding: Padding): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / stride) + 1, before: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

function windowed(input: Shape, k: [number, number], s: [number, number], padding: Padding, layer: string) {
  const [H, W] = expectImage(input, layer);
  const h = convAxis(H, k[0], s[0], padding);
  const w = convAxis(W, k[1], s[1], padding);
  if (h.out < 1 || w.out < 1) {
    throw new Error(`${layer}: input ${H}x${W} is smaller than the ${k[0]}x${k[1]} window with 'valid' padding ` +
      `(use padding 'same' or a larger input)`);
  }
  return { h, w };
}

export interface Conv2DArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: Activation;
  name?: string;
}

class Conv2D implements Layer {
  readonly className = 'Conv2D';
  readonly namePrefix = 'conv2d';
  readonly config: Record<string, unknown>;
  private readonly filters: number;
  private readonly kernel: [number, number];
  private readonly strides: [number, number];
  private readonly padding: Padding;
  private readonly activation: Activation;

  constructor(args: Conv2DArgs) {
    const where = `conv2d(${args?.name ?? ''})`;
    if (!args || !Number.isInteger(args.filters) || args.filters < 1) {
      throw new Error(`${where}: filters must be a positive integer, got ${describeValue(args?.filters)}`);
    }
    this.filters = args.filters;
    this.kernel = pair(args.kernelSize, [0, 0], 'kernelSize', where);
    this.strides = pair(args.strides, [1, 1], 'strides', where);
    this.padding = paddingOf(args.padding, where);
    this.activation = activationOf(args.activation, where);
    this.config = { filters: this.filters, kernelSize: this.kernel, strides: this.strides, padding: this.padding,
      activation: this.activation, ...(args.name ? { name: args.name } : {}) };
  }

  build(input: Shape, name: string): BuiltLayer {
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, this.kernel, this.strides, this.padding, name);
    const [KH, KW] = this.kernel;
    const OC = this.filters;
    return {
      name, className: this.className, inputShape: input, outputShape: [h.out, w.out, OC],
      weights: [
        { name: `${name}/kernel`, shape: [KH, KW, C, OC], fans: { fanIn: KH * KW * C, fanOut: KH * KW * OC } },
        { name: `${name}/bias`, shape: [OC] },
      ],
      op: { kind: 'conv2d', activation: this.activation, H, W, C, OH: h.out, OW: w.out, OC, KH, KW,
        SH: this.strides[0], SW: this.strides[1], padTop: h.before, padLeft: w.before },
    };
  }
}

export interface MaxPooling2DArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  name?: string;
}

class MaxPooling2D implements Layer {
  readonly className = 'MaxPooling2D';
  readonly namePrefix = 'max_pooling2d';
  readonly config: Record<string, unknown>;
  private readonly pool: [number, number];
  private readonly strides: [number, number];
  private readonly padding: Padding;

  constructor(args: MaxPooling2DArgs = {}) {
    const where = `maxPooling2d(${args.name ?? ''})`;
    this.pool = pair(args.poolSize, [2, 2], 'poolSize', where);
    this.strides = pair(args.strides, this.pool, 'strides', where);
    this.padding = paddingOf(args.padding, where);
    this.config = { poolSize: this.pool, strides: this.strides, padding: this.padding, ...(args.name ? { name: args.name } : {}) };
  }

  build(input: Shape, name: string): BuiltLayer {
    const [H, W, C] = expectImage(input, name);
    const { h, w } = windowed(input, this.pool, this.strides, this.padding, name);
    return {
      name, className: this.className, inputShape: input, outputShape: [h.out, w.out, C], weights: [],
      op: { kind: 'maxPool2d', activation: 'linear', H, W, C, OH: h.out, OW: w.out, OC: C, KH: this.pool[0],
        KW: this.pool[1], SH: this.strides[0], SW: this.strides[1], padTop: h.before, padLeft: w.before },
    };
  }
}

export interface UpSampling2DArgs {
  size?: number | [number, number];
  name?: string;
}

class UpSampling2D implements Layer {
  readonly className = 'UpSampling2D';
  readonly namePrefix = 'up_sampling2d';
  readonly config: Record<string, unknown>;
  private readonly size: [number, number];

  constructor(args: UpSampling2DArgs = {}) {
    this.size = pair(args.size, [2, 2], 'size', `upSampling2d(${args.name ?? ''})`);
    this.config = { size: this.size, ...(args.name ? { name: args.name } : {}) };
  }

  build(input: Shape, name: string): BuiltLayer {
    const [H, W, C] = expectImage(input, name);
    const [fh, fw] = this.size;
    return {
      name, className: this.className, inputShape: input, outputShape: [H * fh, W * fw, C], weights: [],
      op: { kind: 'upSampling2d', activation: 'linear', H, W, C, OH: H * fh, OW: W * fw, OC: C, KH: fh, KW: fw,
        SH: fh, SW: fw, padTop: 0, padLeft: 0 },
    };
  }
}

export interface DenseArgs {
  units: number;
  activation?: Activation;
  name?: string;
}

class Dense implements Layer {
  readonly className = 'Dense';
  readonly namePrefix = 'dense';
  readonly config: Record<string, unknown>;
  private readonly units: number;
  private readonly activation: Activation;

  constructor(args: DenseArgs) {
    const where = `dense(${args?.name ?? ''})`;
    if (!args || !Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`${where}: units must be a positive integer, got ${describeValue(args?.units)}`);
    }
    this.units = args.units;
    this.activation = activationOf(args.activation, where);
    this.config = { units: this.units, activation: this.activation, ...(args.name ? { name: args.name } : {}) };
  }

  // Like Keras, Dense acts on the last axis: an input [h, w, c] is h*w rows of c features.
  build(input: Shape, name: string): BuiltLayer {
    const IN = input[input.length - 1];
    const rows = input.slice(0, -1).reduce((a, b) => a * b, 1);
    const OUT = this.units;
    return {
      name, className: this.className, inputShape: input, outputShape: [...input.slice(0, -1), OUT],
      weights: [
        { name: `${name}/kernel`, shape: [IN, OUT], fans: { fanIn: IN, fanOut: OUT } },
        { name: `${name}/bias`, shape: [OUT] },
      ],
      op: { kind: 'dense', activation: this.activation, H: rows, W: 1, C: IN, OH: rows, OW: 1, OC: OUT,
        KH: 1, KW: 1, SH: 1, SW: 1, padTop: 0, padLeft: 0 },
    };
  }
}

class Flatten implements Layer {
  readonly className = 'Flatten';
  readonly namePrefix = 'flatten';
  readonly config: Record<string, unknown>;

  constructor(args: { name?: string } = {}) {
    this.config = args.name ? { name: args.name } : {};
  }

  build(input: Shape, name: string): BuiltLayer {
    return { name, className: this.className, inputShape: input, outputShape: [input.reduce((a, b) => a * b, 1)], weights: [], op: null };
  }
}

export interface ReshapeArgs {
  targetShape: number[];
  name?: string;
}

class Reshape implements Layer {
  readonly className = 'Reshape';
  readonly namePrefix = 'reshape';
  readonly config: Record<string, unknown>;
  private readonly target: number[];

  constructor(args: ReshapeArgs) {
    const t = args?.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) ||
        t.filter((d) => d === -1).length > 1) {
      throw new Error(`reshape: targetShape must be positive integers with at most one -1, got ${describeValue(t)}`);
    }
    this.target = [...t];
    this.config = { targetShape: this.target, ...(args.name ? { name: args.name } : {}) };
  }

  build(input: Shape, name: string): BuiltLayer {
    const size = input.reduce((a, b) => a * b, 1);
    const known = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.target.map((d) => (d === -1 ? size / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || out.reduce((a, b) => a * b, 1) !== size) {
      throw new Error(`${name}: cannot reshape [${input}] (${size} values) into [${this.target}]`);
    }
    return { name, className: this.className, inputShape: input, outputShape: out, weights: [], op: null };
  }
}

/** Layer factories, named as in TF.js (`tf.layers.conv2d(...)`). */
export const layers = {
  conv2d: (args: Conv2DArgs): Layer => new Conv2D(args),
  maxPooling2d: (args?: MaxPooling2DArgs): Layer => new MaxPooling2D(args),
  upSampling2d: (args?: UpSampling2DArgs): Layer => new UpSampling2D(args),
  dense: (args: DenseArgs): Layer => new Dense(args),
  flatten: (args?: { name?: string }): Layer => new Flatten(args),
  reshape: (args: ReshapeArgs): Layer => new Reshape(args),
};
