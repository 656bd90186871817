// What every layer type shares: the Layer base class (config, build, apply), symbolic tensors for the
// functional API, the LayerType record a layer type registers (src/model/layers.ts), and the option
// checks layers have in common.
import type { Activation, OpSpec } from '../engine/graph.js';
import { ACTIVATION_CODES } from '../engine/graph.js';
import { checkOptions, describeValue, type AnyOptionSpec, type OptionSpec } from '../train/validate.js';

export type { Activation } from '../engine/graph.js';
/** Per-sample shape: [H, W, C] for images, [features] for flat data. */
export type Shape = number[];
export type Padding = 'same' | 'valid';

/** One weight tensor of a layer, in Keras order and layout (conv kernel HWIO, then bias). */
export interface WeightSpec {
  name: string;
  shape: number[];
  /** Glorot fans for the initializer; otherwise `init` (default zeros: biases). */
  fans?: { fanIn: number; fanOut: number };
  init?: 'zeros' | 'ones';
  /** False for state the optimizer never touches (BatchNormalization's moving statistics). */
  trainable?: boolean;
  /** Which record field the op reads it through (default: the first weight 'kernel', the second 'bias'). */
  role?: WeightRole;
  /** L1/L2 penalty added to the loss (Keras's kernel_regularizer); none when absent. */
  regularizer?: { l1: number; l2: number };
}

/** How an op reaches a weight: its kernel, bias, or (BatchNormalization) moving mean and variance. */
export type WeightRole = 'kernel' | 'bias' | 'mean' | 'variance';

/** A layer applied to inputs of known shapes: its output shape, weights and op (null: a view of its input). */
export interface LayerBuild {
  outputShape: Shape;
  weights: WeightSpec[];
  op: OpSpec | null;
}

/** A layer placed in a model: its name, shapes (of its first use), weights and op. */
export interface BuiltLayer extends LayerBuild {
  name: string;
  className: string;
  inputShape: Shape;
}

/** Keras config values a layer type reads, by snake_case key (camelCase keys are accepted too). */
export type KerasConfigReader = (key: string) => unknown;

/**
 * A layer type, defined once: everything else (the `layers` factories, model files, summary, the CLI's
 * tiling) reads this record. Adding a layer type = a file with its class and this record, its kernels in
 * assembly/, and one line in src/model/layers.ts's registry.
 */
export interface LayerType {
  /** Keras's class name, as model files store it. */
  className: string;
  /** The factory's name in `layers` (TF.js's name: `layers.conv2d`). */
  factory: string;
  /** A factory: options in, layer out (throws on bad options). */
  create(args: never): Layer;
  /** The factory's options (what `create` takes), written as OptionSpec<its Args type>; the `layers` factories check them. */
  options: AnyOptionSpec;
  /** Keras options the layer type does not take, each with what to do instead. */
  optionNotes?: Readonly<Record<string, string>>;
  /** The factory's options from a Keras config (model files). */
  fromKeras(get: KerasConfigReader, fail: (what: string) => Error): Record<string, unknown>;
  /** The Keras config (snake_case, without name/trainable/dtype) from the layer's own config. */
  toKeras(config: Record<string, unknown>): Record<string, unknown>;
  /** Works on images of any size with the same weights (denoiseImage tiles big pictures through such models). */
  fullyConvolutional: boolean;
  /** How much coarser the pixel grid gets after it, per axis (pooling and strides; 1 when it keeps it). */
  gridStride?(config: Record<string, unknown>): [number, number];
  /**
   * Options Keras's config has no key for (GaussianNoise's clip): model files keep them in
   * userDefinedMetadata['denoise-wasm'].layerOptions[layer name], so the Keras config stays one that
   * Keras and TF.js load (without the option), and our loader puts them back.
   */
  ownOptions?: readonly string[];
}

/** The options of a layer type whose only option is its name (flatten, the merges). */
export const NAME_ONLY: OptionSpec<{ name?: string }> = { name: 'value' };

let nextTensorId = 0;

/** What a symbolic tensor came from: a layer applied to inputs, or a model input (layer null). */
export interface TensorSource {
  layer: Layer | null;
  inputs: SymbolicTensor[];
}

/** A tensor of the functional API: a shape and how it is computed, no values (TF.js's SymbolicTensor). */
export class SymbolicTensor {
  /** Shape of one sample, without the batch axis. */
  readonly sampleShape: Shape;
  readonly source: TensorSource;
  /** The input's name (for a model input). */
  readonly name?: string;
  readonly id = nextTensorId++;

  constructor(sampleShape: Shape, source: TensorSource, name?: string) {
    this.sampleShape = [...sampleShape];
    this.source = source;
    this.name = name;
  }

  /** Shape with the batch axis as null, as TF.js prints it: [null, 28, 28, 1]. */
  get shape(): Array<number | null> {
    return [null, ...this.sampleShape];
  }
}

/** What `input` takes. */
export interface InputArgs {
  /** Shape of one sample, without the batch axis: [28, 28, 1]. */
  shape: number[];
  name?: string;
}
const INPUT_ARGS: OptionSpec<InputArgs> = { shape: 'value', name: 'value' };

/** A model input of per-sample shape `shape` (TF.js's `tf.input({ shape })`). */
export function input(args: InputArgs): SymbolicTensor {
  checkOptions(args, INPUT_ARGS, 'input', { batchShape: 'give the shape without the batch axis: input({ shape: [28, 28, 1] })' });
  const shape = args?.shape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`input: shape must be positive integers without the batch axis, e.g. [28, 28, 1], got ${describeValue(shape)}`);
  }
  if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) throw new Error(`input: name must be a non-empty string, got ${describeValue(args.name)}`);
  return new SymbolicTensor(shape, { layer: null, inputs: [] }, args.name ?? 'input_1');
}

/** A layer: options checked on construction, shapes and weights worked out when it is applied. */
export abstract class Layer {
  abstract readonly className: string;
  /** Keras's default name prefix, e.g. 'conv2d'. */
  abstract readonly namePrefix: string;
  /** The factory's options, checked and with defaults filled in (what model files store). */
  readonly config: Record<string, unknown>;
  /** How many inputs it takes: one, or two and more (merges). */
  readonly arity: 'one' | 'many' = 'one';
  // Weight shapes of the first application: every later one must match (they share the weights).
  private sharedWeights: string | null = null;
  // The tensors its apply() calls returned, in order (TF.js's inbound nodes' outputs).
  private readonly applied: SymbolicTensor[] = [];
  // The name the first model built over it gave it (when its options name none): later models keep it.
  private placedName: string | undefined;

  protected constructor(config: Record<string, unknown>) {
    this.config = config;
  }

  /** The name given in the options, else the one the first model built over it gave it (conv2d_1). */
  get name(): string | undefined {
    return (this.config.name as string | undefined) ?? this.placedName;
  }

  /** Called by a model: the name it gave the layer, kept for later models over the same layer. */
  placeAs(name: string): void {
    if (this.name === undefined) this.placedName = name;
  }

  /**
   * The tensor the layer's apply() returned (TF.js's `layer.output`): `model({ inputs, outputs:
   * layer.output })` is a model computing this layer's activations with the same weights.
   */
  get output(): SymbolicTensor {
    const what = `${this.name ?? this.namePrefix}: output`;
    if (this.applied.length === 0) throw new Error(`${what}: the layer has not been applied to anything yet (use it in a model, or call apply())`);
    if (this.applied.length > 1) {
      throw new Error(`${what}: the layer was applied ${this.applied.length} times, so which output is meant is not clear; keep the tensor each apply() returns`);
    }
    return this.applied[0];
  }

  /** Output shape, weights and op for inputs of these shapes; `name` is the layer's name in the model. */
  abstract build(inputs: Shape[], name: string): LayerBuild;

  /**
   * Applies the layer to a symbolic tensor (or, for merges, an array of them), as TF.js's
   * `layer.apply(x)`: returns the output tensor. A layer applied twice shares its weights.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return this.applyAs(inputs, this.name ?? this.namePrefix);
  }

  /** apply() with the name that errors use (a model names its layers when it is built). */
  applyAs(inputs: SymbolicTensor | SymbolicTensor[], name: string): SymbolicTensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    xs.forEach((x, i) => {
      if (!(x instanceof SymbolicTensor)) {
        throw new Error(`${name}: apply() takes the output of input({ shape }) or of another layer's apply(), got ${describeValue(x)}` +
          (xs.length > 1 ? ` at position ${i}` : '') + ' (to run a model on data use model.predict)');
      }
    });
    if (this.arity === 'one' && (Array.isArray(inputs) && inputs.length !== 1)) {
      throw new Error(`${name}: takes one input tensor, got ${xs.length} (merge them first, e.g. layers.concatenate().apply([a, b]))`);
    }
    if (this.arity === 'many' && xs.length < 2) {
      throw new Error(`${name}: a ${this.className} layer merges two or more tensors: apply it to an array, e.g. .apply([a, b]); got ${xs.length}`);
    }
    const built = this.buildChecked(xs.map((x) => x.sampleShape), name);
    const out = new SymbolicTensor(built.outputShape, { layer: this, inputs: xs });
    this.applied.push(out);
    return out;
  }

  /** build() with a shape error that names the layer and its inputs, and the weight-sharing check. */
  buildChecked(shapes: Shape[], name: string): LayerBuild {
    let built: LayerBuild;
    try {
      built = this.build(shapes, name);
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith(`${name}: `) ? msg : `${name}: ${msg}`);
    }
    const signature = JSON.stringify(built.weights.map((w) => w.shape));
    if (this.sharedWeights === null) this.sharedWeights = signature;
    else if (signature !== this.sharedWeights) {
      throw new Error(`${name}: applied again to input [${shapes.join('] and [')}], which needs weights of shapes ${signature}, ` +
        `but the layer's weights (from its first use) have shapes ${this.sharedWeights}; a layer applied twice shares its weights`);
    }
    return built;
  }
}

// ---------------------------------------------------------------------------------------------------
// Option checks the layer types share

export function pair(v: unknown, fallback: [number, number], what: string, layer: string): [number, number] {
  const p = v === undefined ? fallback : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${layer}: ${what} must be a positive integer or a pair of them, got ${describeValue(v)}`);
  }
  return [p[0], p[1]];
}

export function activationOf(v: unknown, layer: string): Activation {
  const a = (v ?? 'linear') as Activation;
  if (typeof a !== 'string' || !(a in ACTIVATION_CODES)) {
    throw new Error(`${layer}: unknown activation ${describeValue(v)}; use one of ${Object.keys(ACTIVATION_CODES).join(', ')}`);
  }
  return a;
}

export function paddingOf(v: unknown, layer: string): Padding {
  const p = (v ?? 'valid') as Padding;
  if (p !== 'same' && p !== 'valid') throw new Error(`${layer}: padding must be 'same' or 'valid', got ${describeValue(v)}`);
  return p;
}

export function positiveInt(v: unknown, what: string, layer: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${layer}: ${what} must be a positive integer, got ${describeValue(v)}`);
  return v as number;
}

/** The options object's name, checked. */
export function nameOf(args: { name?: unknown } | undefined, layer: string): { name?: string } {
  const n = args?.name;
  if (n === undefined) return {};
  if (typeof n !== 'string' || !/^[A-Za-z0-9_.\-]+$/.test(n)) {
    throw new Error(`${layer}: name must be letters, digits, '_', '.' or '-', got ${describeValue(n)}`);
  }
  return { name: n };
}

export function expectImage(input: Shape, layer: string): [number, number, number] {
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

export function windowed(input: Shape, k: [number, number], s: [number, number], padding: Padding, layer: string) {
  const [H, W] = expectImage(input, layer);
  const h = convAxis(H, k[0], s[0], padding);
  const w = convAxis(W, k[1], s[1], padding);
  if (h.out < 1 || w.out < 1) {
    throw new Error(`${layer}: input ${H}x${W} is smaller than the ${k[0]}x${k[1]} window with 'valid' padding ` +
      `(use padding 'same' or a larger input)`);
  }
  return { h, w };
}

/** An op spec with the geometry fields not used by the op set to neutral values. */
export function opSpec(code: number, fields: Partial<OpSpec>): OpSpec {
  return { code, activation: 'linear', H: 1, W: 1, C: 1, OH: 1, OW: 1, OC: 1, KH: 1, KW: 1, SH: 1, SW: 1, padTop: 0, padLeft: 0, ...fields };
}

/** Keras's `activation` value (a name, or a serialized activation object) as ours. */
export function kerasActivation(get: KerasConfigReader, fail: (what: string) => Error): Activation {
  let a = get('activation');
  if (a && typeof a === 'object') a = (a as { config?: unknown; class_name?: unknown }).config ?? (a as { class_name?: unknown }).class_name;
  if (a === undefined || a === null) return 'linear';
  if (typeof a !== 'string' || !(a in ACTIVATION_CODES)) {
    throw fail(`activation ${JSON.stringify(a)} is not supported (supported: ${Object.keys(ACTIVATION_CODES).join(', ')})`);
  }
  return a as Activation;
}

/** Refuses a data_format other than channels_last. */
export function kerasChannelsLast(get: KerasConfigReader, fail: (what: string) => Error): void {
  const f = get('data_format');
  if (f !== undefined && f !== null && f !== 'channels_last') throw fail(`data_format ${JSON.stringify(f)} is not supported (only channels_last)`);
}

export function kerasPadding(get: KerasConfigReader, fail: (what: string) => Error): Padding {
  const p = get('padding') ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw fail(`padding ${JSON.stringify(p)} is not supported (same, valid)`);
  return p;
}
