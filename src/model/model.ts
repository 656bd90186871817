// LayersModel: a graph of layers (Keras's functional API, TF.js's tf.model) with compile / fit /
// predict / evaluate. Sequential (sequential.ts) is the special case of a chain.
//
// Building a model traces the symbolic tensors from the output back to the input, orders the layer
// applications topologically, names the layers (Keras's prefixes: conv2d, conv2d_1, ...), builds each
// one for its input shapes and lowers the result into the engine's Graph: buffers and ops, with one flat
// parameter block in weight order (a layer applied twice owns one set of weights).
import { Engine, type EngineInfo } from '../engine/engine.js';
import type { Graph, GraphOp } from '../engine/graph.js';
import type { VariantRequest } from '../engine/wasm.js';
import type { Images, Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import { Random } from '../random.js';
import { Layer, SymbolicTensor, input, type BuiltLayer, type Shape, type WeightRole, type WeightSpec } from './layer.js';
import { recreateLayer } from './layers.js';
import { formatSummary } from './summary.js';
import { resolveOptimizer, optimizerSlots, freshOptimizerState, type OptimizerConfig, type OptimizerName, type OptimizerState } from '../train/optimizers.js';
import { resolveLoss, lossCode, type LossName } from '../train/losses.js';
import {
  runFit, runFitDataset, isBatchSource, meanLossOver, FIT_DATASET_NOTES, FIT_DATASET_OPTIONS, FIT_NOTES, FIT_OPTIONS,
  type Batch, type BatchSource, type FitDatasetOptions, type FitOptions, type History,
} from '../train/fit.js';
import {
  checkArrayLength, checkBatch, checkFinite, checkOptions, checkUnitRange, checkPositiveInt, checkWasmBytes, describeValue, nonFiniteError,
  type OptionSpec,
} from '../train/validate.js';

/** The most compute threads a model uses: a batch is cut into at most this many chunks. */
export { MAX_CHUNKS as MAX_THREADS } from '../engine/engine.js';
export type { OptimizerState } from '../train/optimizers.js';

/** How a model runs: the options every model (functional, Sequential, loaded, preset) takes. */
export interface ModelOptions {
  name?: string;
  /** Seed of the Glorot-uniform initial weights (default 0: every run starts the same). */
  seed?: number;
  /**
   * Which wasm build: 'auto' (default) picks the fastest mul + add build the runtime supports (the same
   * bits in Node and every browser); 'auto-relaxed' also picks the fused multiply-add (relaxed SIMD)
   * builds where the runtime validates them: faster, other bits. See the README, Performance.
   */
  variant?: VariantRequest;
  /** Compute threads: 'auto' (default) = available cores; 1 = no worker threads at all; at most MAX_THREADS. */
  threads?: 'auto' | number;
  /** Where the .wasm files are, when not beside the package (browsers, custom hosting). */
  wasmBase?: string | URL;
}

export const MODEL_OPTIONS: OptionSpec<ModelOptions> = { name: 'value', seed: 'value', variant: 'value', threads: 'value', wasmBase: 'value' };

/** TF.js's `tf.model({ inputs, outputs })` arguments, plus how the model runs. */
export interface ModelArgs extends ModelOptions {
  /** The model's input: what `input({ shape })` returned (one input). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's output: a layer's `apply(...)` result (one output). */
  outputs: SymbolicTensor | SymbolicTensor[];
}

export interface CompileOptions {
  optimizer: OptimizerName | OptimizerConfig;
  loss: LossName | string;
}

const MODEL_ARGS: OptionSpec<ModelArgs> = { ...MODEL_OPTIONS, inputs: 'value', outputs: 'value' };
const COMPILE_OPTIONS: OptionSpec<CompileOptions> = { optimizer: 'value', loss: 'value' };
const COMPILE_NOTES = {
  metrics: 'fit reports the loss (and val_loss with validationData); score predictions with psnr(a, b) or ssim(a, b)',
};

/** How many samples predict, evaluate and activations run at a time (results do not depend on it). */
export interface BatchSizeOptions {
  batchSize?: number;
}
const BATCH_SIZE_OPTIONS: OptionSpec<BatchSizeOptions> = { batchSize: 'value' };

export interface GradientOptions {
  /** Also return dL/dx (default false). */
  input?: boolean;
}
const GRADIENT_OPTIONS: OptionSpec<GradientOptions> = { input: 'value' };

/** A named weight tensor in Keras order and layout (kernel HWIO for conv, [in, out] for dense; bias). */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Where model.save() writes: a directory (Node), 'indexeddb://name' or 'downloads://name' (browsers). */
export interface SaveOptions {
  /** Store the optimizer state so that training can resume exactly (default true). */
  includeOptimizer?: boolean;
}
const SAVE_OPTIONS: OptionSpec<SaveOptions> = { includeOptimizer: 'value' };

/** One application of a layer in the graph, and the applications (or the input) it reads. */
export interface ModelNode {
  /** The layer's name in the model. */
  layer: string;
  className: string;
  /** Which application of the layer this is (0 unless the layer is applied more than once). */
  nodeIndex: number;
  /** What it reads, in order: [layer name, node index] (the model input is [input name, 0]). */
  inbound: Array<[string, number]>;
  outputShape: Shape;
}

type PlacedWeight = WeightSpec & { trainable: boolean; offset: number };

/** One layer's (or the input's) values for a batch: what model.activations() returns per layer application. */
export interface LayerActivations extends Tensor {
  /** The layer's name in the model (the input's name for the first entry). */
  layer: string;
  /** Keras's class name ('InputLayer' for the input). */
  className: string;
}

// Each layer's weights live in the first model built over it (its home); a later model over the same
// layer (a sub-model: model({ inputs: m.input, outputs: m.getLayer('conv2d_1').output })) reads them
// from there before every use and writes back what it changes, so both always see the same weights.
const homes = new WeakMap<Layer, LayersModel>();

type Saver = (model: LayersModel, target: string | URL, options: SaveOptions) => Promise<void>;
let modelSaver: Saver | null = null;

/** Set by src/io/model-io.ts: how model.save() writes files (the model layer does not import io). */
export function registerModelSaver(saver: Saver): void {
  modelSaver = saver;
}

function single(v: SymbolicTensor | SymbolicTensor[], what: 'inputs' | 'outputs'): SymbolicTensor {
  const list = Array.isArray(v) ? v : [v];
  if (list.length !== 1) {
    throw new Error(`model: ${what} must be one tensor (one ${what === 'inputs' ? 'input' : 'output'} per model is supported), got ${list.length}`);
  }
  if (!(list[0] instanceof SymbolicTensor)) {
    throw new Error(`model: ${what} must be ${what === 'inputs' ? 'what input({ shape }) returned' : "a layer's apply(...) result"}, got ${describeValue(list[0])}`);
  }
  return list[0];
}

/**
 * Keras's layer names: the given one, else the prefix with a counter (conv2d, conv2d_1, ...), in order.
 * A layer keeps the name the first model over it gave it; counters skip such names, and a layer whose
 * kept name another layer here already has (two models named them alike) takes the next free one.
 */
export function nameLayers(list: readonly Layer[], where: string): Map<Layer, string> {
  const names = new Map<Layer, string>();
  const counts = new Map<string, number>();
  const placed = new Set(list.filter((l) => l.config.name === undefined && l.name !== undefined).map((l) => l.name));
  for (const layer of list) {
    if (names.has(layer)) continue;
    const used = new Set(names.values());
    let name = layer.name;
    if (layer.config.name === undefined && name !== undefined && used.has(name)) name = undefined;
    if (name !== undefined) counts.set(layer.namePrefix, (counts.get(layer.namePrefix) ?? 0) + 1);
    while (name === undefined) {
      const k = counts.get(layer.namePrefix) ?? 0;
      counts.set(layer.namePrefix, k + 1);
      const candidate = k === 0 ? layer.namePrefix : `${layer.namePrefix}_${k}`;
      if (!placed.has(candidate) && !used.has(candidate)) name = candidate;
    }
    if (used.has(name)) throw new Error(`${where}: two layers are named ${JSON.stringify(name)}`);
    names.set(layer, name);
  }
  return names;
}

/** The tensors computed between input and output, in topological order (depth first, operands in order). */
function trace(inputTensor: SymbolicTensor, output: SymbolicTensor): SymbolicTensor[] {
  const order: SymbolicTensor[] = [];
  const state = new Map<number, 'open' | 'done'>();
  let reachesInput = false;
  const visit = (t: SymbolicTensor) => {
    if (state.get(t.id) === 'done') return;
    if (t.source.layer === null) {
      if (t !== inputTensor) {
        throw new Error(`model: the output depends on the input ${JSON.stringify(t.name)} [${t.sampleShape}], which is not the model's input; one input per model is supported`);
      }
      reachesInput = true;
      state.set(t.id, 'done');
      return;
    }
    state.set(t.id, 'open');
    for (const x of t.source.inputs) visit(x);
    state.set(t.id, 'done');
    order.push(t);
  };
  visit(output);
  if (!reachesInput) throw new Error("model: the output does not depend on the model's input");
  return order;
}

/**
 * Layer names in the order Keras's and TF.js's Container puts them (tfjs-layers engine/container.ts):
 * by decreasing depth from the output (a node's depth: 1 + the largest depth of the nodes reading it;
 * a layer's: the largest of its nodes'), ties in the order a depth-first walk from the output meets them.
 * A chain keeps its order. This is the weight order of getWeights() and of model files.
 */
function kerasLayerOrder(nodes: readonly ModelNode[]): string[] {
  const key = (layer: string, k: number) => `${layer}:${k}`;
  const nodeOf = new Map(nodes.map((n) => [key(n.layer, n.nodeIndex), n]));
  const index = new Map<string, number>();
  const postOrder: ModelNode[] = [];
  const done = new Set<string>();
  const visit = (n: ModelNode | undefined) => {   // undefined: the model input
    if (!n || done.has(key(n.layer, n.nodeIndex))) return;
    if (!index.has(n.layer)) index.set(n.layer, index.size);
    for (const [layer, k] of n.inbound) visit(nodeOf.get(key(layer, k)));
    done.add(key(n.layer, n.nodeIndex));
    postOrder.push(n);
  };
  visit(nodes[nodes.length - 1]);
  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<string, number>();
  for (const n of postOrder.reverse()) {
    const depth = Math.max(nodeDepth.get(key(n.layer, n.nodeIndex)) ?? 0, layerDepth.get(n.layer) ?? 0);
    layerDepth.set(n.layer, depth);
    for (const [layer, k] of n.inbound) nodeDepth.set(key(layer, k), Math.max(depth + 1, nodeDepth.get(key(layer, k)) ?? 0));
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || index.get(a)! - index.get(b)!);
}

export class LayersModel {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The layers as placed, in weight order (Keras's: by depth from the output), with their shapes (of their first use) and weights. */
  readonly layers: readonly BuiltLayer[];
  /** Every layer application in topological order, with what it reads (Keras's inbound nodes). */
  readonly nodes: readonly ModelNode[];
  /** The input's name (Keras's InputLayer). */
  readonly inputName: string;
  protected readonly graph: Graph;
  // Every weight in the parameter block's order (trainable first), with its offset.
  private readonly weightSpecs: readonly PlacedWeight[];
  private readonly options: ModelOptions;
  // The layer objects in weight order, and the traced graph (to rebuild the model at another size).
  private readonly layerObjects: readonly Layer[];
  private readonly inputTensor: SymbolicTensor;
  private readonly outputTensor: SymbolicTensor;
  // Per layer its placed weights in the layer's own order; the layers whose weights another model holds.
  private readonly layerWeights: Map<Layer, PlacedWeight[]>;
  private readonly borrowed: Array<{ layer: Layer; home: LayersModel }>;
  private readonly layerByName: Map<string, Layer>;
  // The buffer of each node's output (nodes' order), for activations().
  private readonly nodeBuffers: number[];
  /** True for a chain of layers (Sequential): its summary and model files take Sequential's form. */
  protected readonly chain: boolean = false;
  // The weights while no engine holds them; null until first needed (the Glorot-uniform start from the
  // seed is made then, so a model about to receive loaded weights never allocates its own).
  private params: Float32Array | null = null;
  private readonly seed: number;
  private enginePromise: Promise<Engine> | null = null;
  private engine: Engine | null = null;
  private compiled: { optimizer: OptimizerConfig; loss: LossName } | null = null;
  // Optimizer state waiting for the next engine (set by setOptimizerState before one exists, kept by dispose).
  private pendingOptimizerState: OptimizerState | null = null;
  private iterations = 0;

  constructor(args: ModelArgs, defaultName = 'model') {
    if (!args || typeof args !== 'object') throw new Error('model: give { inputs, outputs }, e.g. model({ inputs: x, outputs: y })');
    checkOptions(args, MODEL_ARGS, defaultName);
    const inputTensor = single(args.inputs, 'inputs');
    const output = single(args.outputs, 'outputs');
    if (inputTensor.source.layer !== null) throw new Error("model: inputs must be what input({ shape }) returned, not a layer's output");
    const where = args.name ?? defaultName;
    const order = trace(inputTensor, output);
    const names = nameLayers(order.map((t) => t.source.layer!), where);
    // First every application's shapes and weights, then the parameters in Keras's layer order, then the ops.
    const nodeOf = new Map<number, [string, number]>([[inputTensor.id, [inputTensor.name!, 0]]]);
    const applications = new Map<Layer, number>();
    const firstBuild = new Map<Layer, BuiltLayer>();
    const nodes: ModelNode[] = [];
    const builds = order.map((t) => {
      const layer = t.source.layer!;
      const name = names.get(layer)!;
      const shapes = t.source.inputs.map((x) => x.sampleShape);
      const b = layer.buildChecked(shapes, name);
      if (!firstBuild.has(layer)) firstBuild.set(layer, { name, className: layer.className, inputShape: shapes[0], ...b });
      const nodeIndex = applications.get(layer) ?? 0;
      applications.set(layer, nodeIndex + 1);
      nodeOf.set(t.id, [name, nodeIndex]);
      nodes.push({ layer: name, className: layer.className, nodeIndex, inbound: t.source.inputs.map((x) => nodeOf.get(x.id)!), outputShape: b.outputShape });
      return b;
    });
    const rank = new Map(kerasLayerOrder(nodes).map((name, i) => [name, i]));
    const layerList = [...firstBuild.keys()].sort((a, b) => rank.get(names.get(a)!)! - rank.get(names.get(b)!)!);
    const built = layerList.map((l) => firstBuild.get(l)!);
    // The parameter block, as Keras and TF.js list weights: every trainable weight in layer order, then the
    // others (moving statistics), so that gradients and the optimizer cover one prefix of it.
    const weightSpecs: PlacedWeight[] = [];
    const offsets = new Map<Layer, Partial<Record<WeightRole, number>>>();
    const layerWeights = new Map<Layer, PlacedWeight[]>(layerList.map((l) => [l, []]));
    let numParams = 0;
    for (const trainable of [true, false]) {
      for (const l of layerList) {
        firstBuild.get(l)!.weights.forEach((w, i) => {
          if ((w.trainable ?? true) !== trainable) return;
          const role = w.role ?? (i === 0 ? 'kernel' : 'bias');
          offsets.set(l, { ...offsets.get(l), [role]: numParams });
          const placed = { ...w, trainable, offset: numParams };
          weightSpecs.push(placed);
          layerWeights.get(l)![i] = placed;
          numParams += sizeOf(w.shape);
        });
      }
    }
    const numTrainable = weightSpecs.filter((w) => w.trainable).reduce((n, w) => n + sizeOf(w.shape), 0);
    // Weight penalties (kernel_regularizer) over their parameters' place in the flat block.
    const regularizers: NonNullable<Graph['regularizers']> = weightSpecs.filter((w) => w.regularizer)
      .map((w) => ({ offset: w.offset, count: sizeOf(w.shape), ...w.regularizer! }));
    const buffers = [sizeOf(inputTensor.sampleShape)];
    const bufferOf = new Map<number, number>([[inputTensor.id, 0]]);
    const ops: GraphOp[] = [];
    order.forEach((t, k) => {
      const b = builds[k];
      const inputs = t.source.inputs.map((x) => bufferOf.get(x.id)!);
      if (b.op === null) {
        bufferOf.set(t.id, inputs[0]);   // a view: same values, another shape
        return;
      }
      const at = offsets.get(t.source.layer!) ?? {};
      bufferOf.set(t.id, buffers.length);
      ops.push({ ...b.op, inputs, output: buffers.length, kernelOffset: at.kernel ?? -1, biasOffset: at.bias ?? -1,
        meanOffset: at.mean ?? -1, varianceOffset: at.variance ?? -1 });
      buffers.push(sizeOf(b.outputShape));
    });
    const outBuffer = bufferOf.get(output.id)!;
    if (ops.length === 0 || outBuffer === 0) {
      throw new Error(`${where}: the model has no layer that computes anything (only flatten/reshape)`);
    }
    this.options = args;
    this.name = args.name ?? defaultName;
    this.inputName = inputTensor.name!;
    this.inputTensor = inputTensor;
    this.outputTensor = output;
    this.inputShape = [...inputTensor.sampleShape];
    this.outputShape = [...output.sampleShape];
    this.layers = built;
    this.layerObjects = layerList;
    this.nodes = nodes;
    this.weightSpecs = weightSpecs;
    this.layerWeights = layerWeights;
    for (const l of layerList) {
      l.placeAs(names.get(l)!);
      if (!homes.has(l)) homes.set(l, this);
    }
    this.borrowed = layerList.filter((l) => homes.get(l) !== this && layerWeights.get(l)!.length > 0).map((l) => ({ layer: l, home: homes.get(l)! }));
    this.layerByName = new Map(layerList.map((l) => [names.get(l)!, l]));
    this.nodeBuffers = order.map((t) => bufferOf.get(t.id)!);
    this.graph = { ops, buffers, output: outBuffer, numParams, numTrainable, inputSize: buffers[0], outputSize: buffers[outBuffer], regularizers };
    this.seed = args.seed ?? 0;
  }

  /**
   * The same graph for inputs of another size, with copies of the layers and of the current weights
   * (fully convolutional models run on any picture size this way). Throws when a layer does not fit.
   */
  withInputShape(shape: Shape, options: ModelOptions = {}): LayersModel {
    checkOptions(options, MODEL_OPTIONS, 'withInputShape');
    const fresh = new Map<Layer, Layer>(this.layerObjects.map((l) => [l, recreateLayer(l)]));
    const x = input({ shape, name: this.inputName });
    const copies = new Map<number, SymbolicTensor>([[this.inputTensor.id, x]]);
    for (const t of trace(this.inputTensor, this.outputTensor)) {
      const layer = fresh.get(t.source.layer!)!;
      copies.set(t.id, layer.applyAs(t.source.inputs.length === 1 ? copies.get(t.source.inputs[0].id)! : t.source.inputs.map((i) => copies.get(i.id)!), layer.name ?? layer.namePrefix));
    }
    const m = new LayersModel({ ...this.options, ...options, name: this.name, inputs: x, outputs: copies.get(this.outputTensor.id)! });
    const changed = m.weightSpecs.find((w, i) => w.shape.join() !== this.weightSpecs[i].shape.join());
    if (changed) {
      const was = this.weightSpecs[m.weightSpecs.indexOf(changed)].shape, C = this.inputShape.at(-1);
      throw new Error(`withInputShape: [${shape}] ` + (shape.length === 3 && this.inputShape.length === 3 && shape[2] !== C
        ? `has ${shape.at(-1)} channels, but the model's input [${this.inputShape}] has ${C}, and its weights are made for ${C}` +
          ` (${changed.name} [${was}], [${changed.shape}] for [${shape}]); keep ${C} channel${C === 1 ? '' : 's'}: only the height and width can change`
        : `needs other weights than the model's input [${this.inputShape}] (${changed.name} [${changed.shape}] instead of [${was}]); ` +
          'only sizes that the weights do not depend on (the height and width of a fully convolutional model) can change'));
    }
    m.setWeights(this.getWeights());
    return m;
  }

  /** The model's input tensor (TF.js's `model.input`): the `inputs` of a model over some of its layers. */
  get input(): SymbolicTensor {
    return this.inputTensor;
  }

  /** The model's output tensor (TF.js's `model.output`). */
  get output(): SymbolicTensor {
    return this.outputTensor;
  }

  /**
   * A layer of the model by name, or by its index in `layers` (TF.js's `model.getLayer`). Its `output`
   * makes a model of its activations with the same weights:
   * `model({ inputs: m.input, outputs: m.getLayer('conv2d_1').output })`.
   */
  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const l = Number.isInteger(nameOrIndex) ? this.layerObjects[nameOrIndex] : undefined;
      if (!l) throw new Error(`getLayer: index ${nameOrIndex} is not one of the model's ${this.layerObjects.length} layers (0 to ${this.layerObjects.length - 1})`);
      return l;
    }
    const l = this.layerByName.get(nameOrIndex);
    if (!l) {
      throw new Error(`getLayer: the model ${JSON.stringify(this.name)} has no layer named ${describeValue(nameOrIndex)}; ` +
        `its layers are ${[...this.layerByName.keys()].join(', ')}`);
    }
    return l;
  }

  /**
   * Every layer's output for x, from one forward pass per batch: the input first, then each layer
   * application in the order the model computes them (`nodes`), with its name and class. The same
   * kernels as predict(), so the last entry holds predict()'s bits. Conv layers' outputs are the feature
   * maps (see featureMapGrid). A flatten or reshape shows its input's values in its own shape.
   */
  async activations(x: Images, options: BatchSizeOptions = {}): Promise<LayerActivations[]> {
    checkOptions(options, BATCH_SIZE_OPTIONS, 'activations');
    this.checkSampleSize('activations');
    const N = checkBatch(x, this.inputShape, 'activations: x');
    checkFinite(x, 'activations: x');
    checkArrayLength(N * Math.max(...this.graph.buffers), `activations: a layer's outputs for ${N} samples`, 'pass fewer samples');
    const batchSize = checkPositiveInt(options.batchSize ?? 32, 'activations: batchSize');
    const engine = await this.ready();
    this.pullShared();
    const buffers = this.graph.buffers.map((size) => new Float32Array(N * size));
    for (let start = 0; start < N; start += batchSize) {
      const n = Math.min(batchSize, N - start);
      await engine.exclusive(async () => {
        engine.loadRange(x.data, start, n);
        (await engine.forwardAll(n)).forEach((values, b) => buffers[b].set(values, start * this.graph.buffers[b]));
      });
    }
    return [
      { layer: this.inputName, className: 'InputLayer', data: buffers[0], shape: [N, ...this.inputShape] },
      ...this.nodes.map((node, k) => ({ layer: node.layer, className: node.className, data: buffers[this.nodeBuffers[k]], shape: [N, ...node.outputShape] })),
    ];
  }

  /** Number of parameters: every weight, trainable or not (Keras's count_params()). */
  countParams(): number {
    return this.graph.numParams;
  }

  /** Every weight in getWeights() order: name, shape, and whether training changes it (TF.js's model.weights). */
  get weights(): Array<{ name: string; shape: number[]; trainable: boolean }> {
    return this.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape], trainable: w.trainable }));
  }


  /** Keras-style table of layers, output shapes and parameter counts (and, for graphs, what each is connected to); printed unless print is null. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = formatSummary(this.name, this.layers, this.chain ? null : { nodes: this.nodes, inputName: this.inputName, inputShape: this.inputShape });
    if (print) print(text);
    return text;
  }

  /** Sets the optimizer ('adadelta' = lr 1.0, rho 0.95 as in Keras 1) and the loss; resets optimizer state. */
  compile(options: CompileOptions): void {
    if (!options) throw new Error('compile: give { optimizer, loss }');
    checkOptions(options, COMPILE_OPTIONS, 'compile', COMPILE_NOTES);
    const optimizer = resolveOptimizer(options.optimizer);
    const loss = resolveLoss(options.loss);
    this.compiled = { optimizer, loss };
    this.pendingOptimizerState = null;
    this.iterations = 0;
    if (this.engine) this.applyCompile(this.engine);
  }

  /** The layers' classes and configs as given to their factories, in weight order (what model files store). */
  get layerConfigs(): Array<{ className: string; config: Record<string, unknown> }> {
    return this.layerObjects.map((l) => ({ className: l.className, config: structuredClone(l.config) }));
  }

  /** The optimizer (every default filled in) and loss of compile(), or null before compile(). */
  get compileConfig(): { optimizer: OptimizerConfig; loss: LossName } | null {
    return this.compiled ? { optimizer: { ...this.compiled.optimizer }, loss: this.compiled.loss } : null;
  }

  /** The optimizer's state (copies), or null before compile(); a fresh state until the first step. */
  getOptimizerState(): OptimizerState | null {
    if (!this.compiled) return null;
    if (this.engine) return { ...this.engine.getOptimizerState(), iterations: this.iterations };
    const p = this.pendingOptimizerState;
    if (p) return { slots: p.slots.map((s) => s.slice()), accBetas: [...p.accBetas], iterations: p.iterations };
    return freshOptimizerState(this.compiled.optimizer, this.graph.numParams);
  }

  /** Restores getOptimizerState()'s output (after compile() with the same optimizer), to resume training. */
  setOptimizerState(state: OptimizerState): void {
    if (!this.compiled) throw new Error('setOptimizerState: call model.compile({ optimizer, loss }) first');
    const n = this.graph.numParams;
    if (!state || !Array.isArray(state.slots) || state.slots.length !== 3) {
      throw new Error('setOptimizerState: slots must be 3 Float32Arrays (as getOptimizerState() returns)');
    }
    state.slots.forEach((s, i) => {
      if (!(s instanceof Float32Array) || s.length !== n) {
        throw new Error(`setOptimizerState: slot ${i} needs ${n} values (one per parameter), got ${(s as ArrayLike<number>)?.length}`);
      }
      for (let j = 0; j < n; j++) if (!Number.isFinite(s[j])) throw new Error(`setOptimizerState: slot ${i} contains ${s[j]} at ${j}`);
    });
    const acc = state.accBetas;
    if (!Array.isArray(acc) || acc.length !== 2 || !acc.every(Number.isFinite)) {
      throw new Error(`setOptimizerState: accBetas must be two finite numbers, got ${describeValue(acc)}`);
    }
    if (!Number.isInteger(state.iterations) || state.iterations < 0) {
      throw new Error(`setOptimizerState: iterations must be an integer >= 0, got ${describeValue(state.iterations)}`);
    }
    const copy: OptimizerState = { slots: state.slots.map((s) => s.slice()), accBetas: [acc[0], acc[1]], iterations: state.iterations };
    this.iterations = copy.iterations;
    this.engine?.setStep(copy.iterations);
    if (this.engine) this.engine.setOptimizerState(copy);
    else this.pendingOptimizerState = copy;
  }

  /**
   * Saves architecture, weights, loss/optimizer and (by default) the optimizer state in the TF.js
   * Layers format (model.json + weights.bin): to a directory in Node, 'indexeddb://name' or
   * 'downloads://name' in browsers. Node writes a temporary directory and swaps it in, so a failed
   * save leaves any previous model there intact.
   */
  async save(target: string | URL, options: SaveOptions = {}): Promise<void> {
    if (!(typeof target === 'string' && target !== '') && !(target instanceof URL)) {
      throw new Error(`save: say where to save: a directory (Node), 'indexeddb://name' or 'downloads://name' (browsers), ` +
        `e.g. model.save('out/my-model'); got ${describeValue(target)}`);
    }
    checkOptions(options, SAVE_OPTIONS, 'save');
    if (!modelSaver) throw new Error('save: model files are handled by denoise-wasm\'s io module: import the model from \'denoise-wasm\' (its index registers it)');
    await modelSaver(this, target, options);
  }

  private applyCompile(engine: Engine): void {
    engine.setStep(this.iterations);   // dropout and noise layers draw from (seed, step, sample, element)
    if (!this.compiled) return;
    engine.setLoss(lossCode(this.compiled.loss));
    engine.setOptimizer(optimizerSlots(this.compiled.optimizer));
  }

  private ready(): Promise<Engine> {
    if (!this.enginePromise) {
      this.enginePromise = Engine.create(this.graph, { variant: this.options.variant, threads: this.options.threads, wasmBase: this.options.wasmBase }).then((e) => {
        e.setParams(this.currentParams());
        this.applyCompile(e);
        if (this.compiled && this.pendingOptimizerState) e.setOptimizerState(this.pendingOptimizerState);
        this.pendingOptimizerState = null;
        this.engine = e;
        return e;
      });
      this.enginePromise.catch(() => { this.enginePromise = null; });
    }
    return this.enginePromise;
  }

  /** Which build runs (SIMD or scalar), and how many threads. */
  async engineInfo(): Promise<EngineInfo> {
    return (await this.ready()).info;
  }

  /**
   * A sample whose input and output alone exceed wasm's memory cannot run at any batch size: refused
   * before any allocation (the engine's layout names the exact need when it is only a little over).
   */
  private checkSampleSize(what: string): void {
    checkWasmBytes((sizeOf(this.inputShape) + sizeOf(this.outputShape)) * 4,
      `${what}: one sample (input [${this.inputShape}], output [${this.outputShape}])`,
      'use a smaller input shape; denoiseImage runs a fully convolutional model over big pictures in tiles');
  }

  private requireCompiled(what: string): { optimizer: OptimizerConfig; loss: LossName } {
    if (!this.compiled) throw new Error(`${what}: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  private checkPair(x: Images, y: Images, what: string, loss: LossName): number {
    const N = checkBatch(x, this.inputShape, `${what}: x`);
    const M = checkBatch(y, this.outputShape, `${what}: y`);
    if (N !== M) throw new Error(`${what}: x has ${N} samples but y has ${M}; they must pair up one to one`);
    checkFinite(x, `${what}: x`);
    if (loss === 'binaryCrossentropy') checkUnitRange(y, `${what}: y`);   // finite too
    else checkFinite(y, `${what}: y`);
    return N;
  }

  /**
   * Trains on (x, y), Tensors or ByteTensors (uint8 pixels, converted per batch inside wasm); see
   * FitOptions. Or on a stream of batches (an async iterable of { xs, ys }, as TF.js's fitDataset);
   * see FitDatasetOptions. Resolves with the per-epoch losses.
   */
  fit(x: Images, y: Images, options?: FitOptions): Promise<History>;
  fit(source: BatchSource, options?: FitDatasetOptions): Promise<History>;
  async fit(x: Images | BatchSource, y?: Images | FitDatasetOptions, options?: FitOptions): Promise<History> {
    if (isBatchSource(x)) return this.fitDataset(x, checkOptions(y as FitDatasetOptions | undefined, FIT_DATASET_OPTIONS, 'fit', FIT_DATASET_NOTES));
    return this.fitTensors(x, y as Images, checkOptions(options, FIT_OPTIONS, 'fit', FIT_NOTES));
  }

  private async fitTensors(x: Images, y: Images, options: FitOptions): Promise<History> {
    const { loss } = this.requireCompiled('fit');
    this.checkSampleSize('fit');
    this.checkPair(x, y, 'fit', loss);
    const epochs = checkPositiveInt(options.epochs ?? 1, 'fit: epochs');
    const batchSize = checkPositiveInt(options.batchSize ?? 32, 'fit: batchSize');
    if (options.validationData) {
      const v = options.validationData;
      if (!Array.isArray(v) || v.length !== 2) throw new Error('fit: validationData must be [xVal, yVal]');
      this.checkPair(v[0], v[1], 'fit: validationData', loss);
    }
    const engine = await this.ready();
    this.pullShared();
    engine.setStep(this.iterations);
    try {
      return await runFit(engine, x, y, {
        ...options, epochs, batchSize, shuffle: options.shuffle ?? true, seed: options.seed ?? 0,
        onBatchEnd: (b, logs) => { this.iterations++; return options.onBatchEnd?.(b, logs); },
        inputsForEpoch: options.inputsForEpoch ? (e) => {
          const xe = options.inputsForEpoch!(e);
          const what = `fit: inputsForEpoch(${e})`;
          const n = checkBatch(xe, this.inputShape, what);
          if (n !== x.shape[0]) throw new Error(`${what} gave ${n} samples but y has ${x.shape[0]}; they must pair up one to one`);
          checkFinite(xe, what);
          return xe;
        } : undefined,
      });
    } finally {
      this.params = engine.getParams();
      this.pushShared();
    }
  }

  // fit over a stream of batches: options checked now, each batch when it arrives.
  private async fitDataset(source: BatchSource, options: FitDatasetOptions): Promise<History> {
    const { loss } = this.requireCompiled('fit');
    this.checkSampleSize('fit');
    const epochs = checkPositiveInt(options.epochs ?? 1, 'fit: epochs');
    if (options.batchesPerEpoch !== undefined) checkPositiveInt(options.batchesPerEpoch, 'fit: batchesPerEpoch');
    if (options.validationBatchSize !== undefined) checkPositiveInt(options.validationBatchSize, 'fit: validationBatchSize');
    const v = options.validationData;
    if (v !== undefined) {
      if (Array.isArray(v)) {
        if (v.length !== 2) throw new Error('fit: validationData must be [xVal, yVal] or a source of { xs, ys } batches');
        this.checkPair(v[0], v[1], 'fit: validationData', loss);
      } else if (!isBatchSource(v)) {
        throw new Error(`fit: validationData must be [xVal, yVal] or an iterable of { xs, ys } batches, got ${describeValue(v)}`);
      }
    }
    const check = (batch: Batch, what: string): number => {
      if (!batch || typeof batch !== 'object' || !('xs' in batch) || !('ys' in batch)) {
        throw new Error(`${what}: a batch must be { xs, ys } (inputs and targets), got ${describeValue(batch)}`);
      }
      return this.checkPair(batch.xs, batch.ys, what, loss);
    };
    const engine = await this.ready();
    this.pullShared();
    try {
      return await runFitDataset(engine, source, {
        ...options, epochs,
        onBatchEnd: (b, logs) => { this.iterations++; return options.onBatchEnd?.(b, logs); },
      }, check);
    } finally {
      this.params = engine.getParams();
      this.pushShared();
    }
  }

  /** Model outputs for x, computed batchSize samples at a time (results do not depend on it). */
  async predict(x: Images, options: BatchSizeOptions = {}): Promise<Tensor> {
    checkOptions(options, BATCH_SIZE_OPTIONS, 'predict');
    this.checkSampleSize('predict');
    const N = checkBatch(x, this.inputShape, 'predict: x');
    const batchSize = checkPositiveInt(options.batchSize ?? 128, 'predict: batchSize');
    const outSize = sizeOf(this.outputShape);
    checkArrayLength(N * outSize, `predict: the outputs of ${N} samples`, 'predict fewer samples per call');
    const engine = await this.ready();
    this.pullShared();
    // Each batch checked for NaN and Infinity as it is loaded (in wasm; predict changes nothing).
    const data = await engine.exclusive(() => engine.forwardRange(x.data, N, batchSize, (i) => nonFiniteError(x, i, 'predict: x')));
    return { data, shape: [N, ...this.outputShape] };
  }

  /** Mean loss over (x, y). */
  async evaluate(x: Images, y: Images, options: BatchSizeOptions = {}): Promise<number> {
    checkOptions(options, BATCH_SIZE_OPTIONS, 'evaluate');
    const { loss } = this.requireCompiled('evaluate');
    this.checkSampleSize('evaluate');
    this.checkPair(x, y, 'evaluate', loss);
    const batchSize = checkPositiveInt(options.batchSize ?? 128, 'evaluate: batchSize');
    const engine = await this.ready();
    this.pullShared();
    return meanLossOver(engine, x, y, batchSize);
  }

  /**
   * Mean loss and dL/dw for every trainable weight on one batch (and dL/dx with `{ input: true }`), without
   * changing the weights: for gradient checks, saliency maps and research.
   */
  async computeGradients(x: Tensor, y: Tensor, options: GradientOptions = {}):
      Promise<{ loss: number; gradients: NamedWeight[]; inputGradient?: Tensor }> {
    checkOptions(options, GRADIENT_OPTIONS, 'computeGradients');
    const { loss: lossName } = this.requireCompiled('computeGradients');
    this.checkSampleSize('computeGradients');
    const N = this.checkPair(x, y, 'computeGradients', lossName);
    const engine = await this.ready();
    this.pullShared();
    return engine.exclusive(async () => {
      engine.setInputGradient(!!options.input);
      engine.setStep(this.iterations);   // the masks and noise of the next training step
      engine.loadRange(x.data, 0, N, y.data);
      try {
        const loss = await engine.gradients(N);
        const result: { loss: number; gradients: NamedWeight[]; inputGradient?: Tensor } = { loss, gradients: this.split(engine.getGradients(), true) };
        if (options.input) result.inputGradient = { data: engine.getInputGradient(N), shape: [...x.shape] };
        return result;
      } finally {
        engine.setInputGradient(false);
      }
    });
  }

  /** The weights as copies, in Keras order: the trainable ones layer by layer (kernel then bias), then the others. */
  getWeights(): NamedWeight[] {
    this.pullShared();
    return this.split(this.engine ? this.engine.getParams() : this.currentParams());
  }

  /** Replaces the weights; takes getWeights()'s output or plain arrays in the same order. */
  setWeights(weights: Array<NamedWeight | Float32Array>): void {
    const specs = this.weightSpecs;
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new Error(`setWeights: the model has ${specs.length} weight tensors (${specs.map((s) => s.name).join(', ')}), got ${weights?.length}`);
    }
    const flat = new Float32Array(this.graph.numParams);
    specs.forEach((s, i) => {
      const w = weights[i];
      const data = w instanceof Float32Array ? w : w?.data;
      const n = sizeOf(s.shape);
      if (!(data instanceof Float32Array) || data.length !== n) {
        throw new Error(`setWeights: ${s.name} needs a Float32Array of ${n} values (shape [${s.shape}]) or { data: Float32Array }, got ${describeValue(data instanceof Float32Array ? data : w)}` +
          (Array.isArray(w) ? ' (wrap plain arrays: new Float32Array(values))' : ''));
      }
      if (!(w instanceof Float32Array) && w.shape && sizeOf(w.shape) === n && w.shape.join() !== s.shape.join()) {
        throw new Error(`setWeights: ${s.name} has shape [${s.shape}], got [${w.shape}]`);
      }
      for (let j = 0; j < n; j++) {
        if (!Number.isFinite(data[j])) throw new Error(`setWeights: ${s.name} contains ${data[j]} at ${j}`);
      }
      flat.set(data, s.offset);
    });
    this.params = flat;
    this.engine?.setParams(flat);
    this.pushShared();
  }

  // The flat parameters as they stand: the engine's, or the host copy (made on first use).
  private liveParams(): Float32Array {
    return this.engine ? this.engine.getParams() : this.currentParams();
  }

  /** Reads the weights of layers another model holds (see `homes`) into this model's parameters. */
  private pullShared(): void {
    if (this.borrowed.length === 0) return;
    const flat = this.liveParams();
    const sources = new Map<LayersModel, Float32Array>();
    for (const { layer, home } of this.borrowed) {
      if (!sources.has(home)) sources.set(home, home.liveParams());
      copyLayerWeights(home.layerWeights.get(layer)!, sources.get(home)!, this.layerWeights.get(layer)!, flat);
    }
    this.params = flat;
    this.engine?.setParams(flat);
  }

  /** Writes this model's weights of layers another model holds back to that model (after fit, setWeights). */
  private pushShared(): void {
    if (this.borrowed.length === 0) return;
    const mine = this.liveParams();
    for (const home of new Set(this.borrowed.map((b) => b.home))) {
      const flat = home.liveParams();
      for (const { layer } of this.borrowed.filter((b) => b.home === home)) copyLayerWeights(this.layerWeights.get(layer)!, mine, home.layerWeights.get(layer)!, flat);
      home.params = flat;
      home.engine?.setParams(flat);
    }
  }

  private currentParams(): Float32Array {
    if (!this.params) {
      this.params = new Float32Array(this.graph.numParams);
      initWeights(this.weightSpecs, this.params, this.seed);
    }
    return this.params;
  }

  private split(flat: Float32Array, trainableOnly = false): NamedWeight[] {
    return this.weightSpecs.filter((s) => s.trainable || !trainableOnly)
      .map((s) => ({ name: s.name, shape: [...s.shape], data: flat.slice(s.offset, s.offset + sizeOf(s.shape)) }));
  }

  /** Frees the wasm memory (and, in threaded builds, the workers). The model keeps its weights and optimizer state and can be used again. */
  dispose(): void {
    if (this.engine) this.params = this.engine.getParams();
    if (this.engine && this.compiled) this.pendingOptimizerState = { ...this.engine.getOptimizerState(), iterations: this.iterations };
    this.engine?.dispose();
    this.engine = null;
    this.enginePromise = null;
  }
}

/** One layer's weights from the flat block src (placed as `from`) into dst (placed as `to`, the same weights in the same order). */
function copyLayerWeights(from: readonly PlacedWeight[], src: Float32Array, to: readonly PlacedWeight[], dst: Float32Array): void {
  from.forEach((w, i) => dst.set(src.subarray(w.offset, w.offset + sizeOf(w.shape)), to[i].offset));
}

// Keras defaults: Glorot-uniform kernels (limit sqrt(6 / (fanIn + fanOut))), zero biases, and the
// initializer a weight names (ones: BatchNormalization's gamma and moving variance).
function initWeights(weights: readonly PlacedWeight[], params: Float32Array, seed: number): void {
  const rng = new Random(seed);
  for (const w of weights) {
    const n = sizeOf(w.shape);
    if (w.fans) {
      const limit = Math.sqrt(6 / (w.fans.fanIn + w.fans.fanOut));
      for (let i = 0; i < n; i++) params[w.offset + i] = (2 * rng.uniform() - 1) * limit;
    } else if (w.init === 'ones') {
      params.fill(1, w.offset, w.offset + n);
    }
  }
}

/** A functional model, as TF.js's `tf.model({ inputs, outputs })`. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
