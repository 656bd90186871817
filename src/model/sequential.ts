// Sequential: a stack of layers with Keras's compile / fit / predict / evaluate.
import { Engine, type EngineInfo, type Graph } from '../engine/engine.js';
import type { VariantRequest } from '../engine/wasm.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import { Random } from '../random.js';
import type { BuiltLayer, Layer, Shape } from './layers.js';
import { formatSummary } from './summary.js';
import { resolveOptimizer, optimizerSlots, type OptimizerConfig, type OptimizerName } from '../train/optimizers.js';
import { resolveLoss, lossCode, type LossName } from '../train/losses.js';
import { runFit, meanLossOver, type FitOptions, type History } from '../train/fit.js';
import { checkBatch, checkFinite, checkUnitRange, checkPositiveInt } from '../train/validate.js';

export interface SequentialOptions {
  /** Shape of one sample, without the batch axis: [28, 28, 1] for MNIST images, [784] flattened. */
  inputShape: number[];
  name?: string;
  /** Seed of the Glorot-uniform initial weights (default 0: every run starts the same). */
  seed?: number;
  /**
   * Which wasm build: 'auto' (default) picks the fastest mul + add build the runtime supports (the same
   * bits in Node and every browser); 'auto-relaxed' also picks the fused multiply-add (relaxed SIMD)
   * builds where the runtime validates them: faster, other bits. See the README, Performance.
   */
  variant?: VariantRequest;
  /** Compute threads: 'auto' (default) = available cores; 1 = no worker threads at all. */
  threads?: 'auto' | number;
  /** Where the .wasm files are, when not beside the package (browsers, custom hosting). */
  wasmBase?: string | URL;
}

export interface CompileOptions {
  optimizer: OptimizerName | OptimizerConfig;
  loss: LossName | string;
}

/** A named weight tensor in Keras order and layout (kernel HWIO for conv, [in, out] for dense; bias). */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Training state of the optimizer, for saving and resuming: three flat slot arrays of countParams()
 * floats each (in getWeights() order; which slots an optimizer uses: adadelta accumulated g² and
 * updates², adam m and v, sgd momentum, adagrad accumulator, rmsprop mean square, momentum and mean
 * gradient), adam's running beta powers, and the number of training steps taken since compile().
 */
export interface OptimizerState {
  slots: Float32Array[];
  accBetas: [number, number];
  iterations: number;
}

/** Where model.save() writes: a directory (Node), 'indexeddb://name' or 'downloads://name' (browsers). */
export interface SaveOptions {
  /** Store the optimizer state so that training can resume exactly (default true). */
  includeOptimizer?: boolean;
}

export class Sequential {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** The layers as placed: names, shapes, weights. */
  readonly layers: readonly BuiltLayer[];
  private readonly graph: Graph;
  private readonly options: SequentialOptions;
  private params: Float32Array;
  private enginePromise: Promise<Engine> | null = null;
  private engine: Engine | null = null;
  private compiled: { optimizer: OptimizerConfig; loss: LossName } | null = null;
  private readonly layerSpecs: ReadonlyArray<{ className: string; config: Record<string, unknown> }>;
  // Optimizer state waiting for the next engine (set by setOptimizerState before one exists, kept by dispose).
  private pendingOptimizerState: OptimizerState | null = null;
  private iterations = 0;

  constructor(options: SequentialOptions, layerList: Layer[]) {
    const shape = options?.inputShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`Sequential: inputShape must be positive integers, e.g. [28, 28, 1], got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(layerList) || layerList.length === 0) throw new Error('Sequential: give at least one layer');
    this.options = options;
    this.name = options.name ?? 'sequential';
    const counts = new Map<string, number>();
    let current: Shape = [...shape];
    const built: BuiltLayer[] = [];
    for (const [i, layer] of layerList.entries()) {
      if (!layer || typeof layer.build !== 'function') throw new Error(`Sequential: layer ${i} is not a layer (use layers.conv2d(...) etc.)`);
      const k = counts.get(layer.namePrefix) ?? 0;
      counts.set(layer.namePrefix, k + 1);
      const name = (layer.config.name as string | undefined) ?? (k === 0 ? layer.namePrefix : `${layer.namePrefix}_${k}`);
      if (built.some((b) => b.name === name)) throw new Error(`Sequential: two layers are named ${JSON.stringify(name)}`);
      try {
        built.push(layer.build(current, name));
      } catch (e) {
        throw new Error(`Sequential: layer ${i} (${name}) does not fit its input [${current}]: ${(e as Error).message}`);
      }
      current = built[built.length - 1].outputShape;
    }
    this.layers = built;
    this.layerSpecs = layerList.map((l) => ({ className: l.className, config: structuredClone(l.config) }));
    this.inputShape = [...shape];
    this.outputShape = current;
    this.graph = buildGraph(built, shape);
    this.params = new Float32Array(this.graph.numParams);
    initGlorot(built, this.params, options.seed ?? 0);
  }

  /** Total number of trainable parameters. */
  countParams(): number {
    return this.graph.numParams;
  }

  /** Keras-style table of layers, output shapes and parameter counts; printed unless print is null. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = formatSummary(this.name, this.layers);
    if (print) print(text);
    return text;
  }

  /** Sets the optimizer ('adadelta' = lr 1.0, rho 0.95 as in Keras 1) and the loss; resets optimizer state. */
  compile(options: CompileOptions): void {
    if (!options) throw new Error('compile: give { optimizer, loss }');
    const optimizer = resolveOptimizer(options.optimizer);
    const loss = resolveLoss(options.loss);
    this.compiled = { optimizer, loss };
    this.pendingOptimizerState = null;
    this.iterations = 0;
    if (this.engine) this.applyCompile(this.engine);
  }

  /** The layers' classes and configs as given to the constructor (what model files store). */
  get layerConfigs(): Array<{ className: string; config: Record<string, unknown> }> {
    return this.layerSpecs.map((l) => ({ className: l.className, config: structuredClone(l.config) }));
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
    const o = optimizerSlots(this.compiled.optimizer);
    const n = this.graph.numParams;
    const slots = [new Float32Array(n).fill(o.initialAccumulator ?? 0), new Float32Array(n), new Float32Array(n)];
    return { slots, accBetas: o.betas ? [Math.fround(o.betas[0]), Math.fround(o.betas[1])] : [1, 1], iterations: 0 };
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
      throw new Error(`setOptimizerState: accBetas must be two finite numbers, got ${JSON.stringify(acc)}`);
    }
    if (!Number.isInteger(state.iterations) || state.iterations < 0) {
      throw new Error(`setOptimizerState: iterations must be an integer >= 0, got ${state.iterations}`);
    }
    const copy: OptimizerState = { slots: state.slots.map((s) => s.slice()), accBetas: [acc[0], acc[1]], iterations: state.iterations };
    this.iterations = copy.iterations;
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
    const io = await import('../io/model-io.js');
    await io.saveModel(this, target, options);
  }

  private applyCompile(engine: Engine): void {
    if (!this.compiled) return;
    engine.setLoss(lossCode(this.compiled.loss));
    engine.setOptimizer(optimizerSlots(this.compiled.optimizer));
  }

  private ready(): Promise<Engine> {
    if (!this.enginePromise) {
      this.enginePromise = Engine.create(this.graph, { variant: this.options.variant, threads: this.options.threads, wasmBase: this.options.wasmBase }).then((e) => {
        e.setParams(this.params);
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

  private requireCompiled(what: string): { optimizer: OptimizerConfig; loss: LossName } {
    if (!this.compiled) throw new Error(`${what}: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  private checkPair(x: Tensor, y: Tensor, what: string, loss: LossName): number {
    const N = checkBatch(x, this.inputShape, `${what}: x`);
    const M = checkBatch(y, this.outputShape, `${what}: y`);
    if (N !== M) throw new Error(`${what}: x has ${N} samples but y has ${M}; they must pair up one to one`);
    checkFinite(x, `${what}: x`);
    checkFinite(y, `${what}: y`);
    if (loss === 'binaryCrossentropy') checkUnitRange(y, `${what}: y`);
    return N;
  }

  /** Trains on (x, y); see FitOptions. Resolves with the per-epoch losses. */
  async fit(x: Tensor, y: Tensor, options: FitOptions = {}): Promise<History> {
    const { loss } = this.requireCompiled('fit');
    this.checkPair(x, y, 'fit', loss);
    const epochs = checkPositiveInt(options.epochs ?? 1, 'fit: epochs');
    const batchSize = checkPositiveInt(options.batchSize ?? 32, 'fit: batchSize');
    if (options.validationData) {
      const v = options.validationData;
      if (!Array.isArray(v) || v.length !== 2) throw new Error('fit: validationData must be [xVal, yVal]');
      this.checkPair(v[0], v[1], 'fit: validationData', loss);
    }
    const engine = await this.ready();
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
    }
  }

  /** Model outputs for x, computed batchSize samples at a time (results do not depend on it). */
  async predict(x: Tensor, options: { batchSize?: number } = {}): Promise<Tensor> {
    const N = checkBatch(x, this.inputShape, 'predict: x');
    checkFinite(x, 'predict: x');
    const batchSize = checkPositiveInt(options.batchSize ?? 128, 'predict: batchSize');
    const engine = await this.ready();
    const outSize = sizeOf(this.outputShape);
    const out = new Float32Array(N * outSize);
    for (let start = 0; start < N; start += batchSize) {
      const n = Math.min(batchSize, N - start);
      await engine.exclusive(async () => {
        engine.loadRange(x.data, start, n);
        out.set(await engine.forward(n), start * outSize);
      });
    }
    return { data: out, shape: [N, ...this.outputShape] };
  }

  /** Mean loss over (x, y). */
  async evaluate(x: Tensor, y: Tensor, options: { batchSize?: number } = {}): Promise<number> {
    const { loss } = this.requireCompiled('evaluate');
    this.checkPair(x, y, 'evaluate', loss);
    const batchSize = checkPositiveInt(options.batchSize ?? 128, 'evaluate: batchSize');
    return meanLossOver(await this.ready(), x, y, batchSize);
  }

  /**
   * Mean loss and dL/dw for every weight on one batch (and dL/dx with `{ input: true }`), without
   * changing the weights: for gradient checks, saliency maps and research.
   */
  async computeGradients(x: Tensor, y: Tensor, options: { input?: boolean } = {}):
      Promise<{ loss: number; gradients: NamedWeight[]; inputGradient?: Tensor }> {
    const { loss: lossName } = this.requireCompiled('computeGradients');
    const N = this.checkPair(x, y, 'computeGradients', lossName);
    const engine = await this.ready();
    return engine.exclusive(async () => {
      engine.setInputGradient(!!options.input);
      engine.loadRange(x.data, 0, N, y.data);
      try {
        const loss = await engine.gradients(N);
        const result: { loss: number; gradients: NamedWeight[]; inputGradient?: Tensor } = { loss, gradients: this.split(engine.getGradients()) };
        if (options.input) result.inputGradient = { data: engine.getInputGradient(N), shape: [...x.shape] };
        return result;
      } finally {
        engine.setInputGradient(false);
      }
    });
  }

  /** The weights, in Keras order (kernel then bias, layer by layer), as copies. */
  getWeights(): NamedWeight[] {
    return this.split(this.engine ? this.engine.getParams() : this.params);
  }

  /** Replaces the weights; takes getWeights()'s output or plain arrays in the same order. */
  setWeights(weights: Array<NamedWeight | Float32Array>): void {
    const specs = this.layers.flatMap((l) => l.weights);
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new Error(`setWeights: the model has ${specs.length} weight tensors (${specs.map((s) => s.name).join(', ')}), got ${weights?.length}`);
    }
    const flat = new Float32Array(this.graph.numParams);
    let at = 0;
    specs.forEach((s, i) => {
      const w = weights[i];
      const data = w instanceof Float32Array ? w : w?.data;
      const n = sizeOf(s.shape);
      if (!(data instanceof Float32Array) || data.length !== n) {
        throw new Error(`setWeights: ${s.name} needs ${n} values (shape [${s.shape}]), got ${data?.length ?? typeof w}`);
      }
      if (!(w instanceof Float32Array) && w.shape && sizeOf(w.shape) === n && w.shape.join() !== s.shape.join()) {
        throw new Error(`setWeights: ${s.name} has shape [${s.shape}], got [${w.shape}]`);
      }
      for (let j = 0; j < n; j++) {
        if (!Number.isFinite(data[j])) throw new Error(`setWeights: ${s.name} contains ${data[j]} at ${j}`);
      }
      flat.set(data, at);
      at += n;
    });
    this.params = flat;
    this.engine?.setParams(flat);
  }

  private split(flat: Float32Array): NamedWeight[] {
    let at = 0;
    return this.layers.flatMap((l) => l.weights).map((s) => {
      const n = sizeOf(s.shape);
      const data = flat.slice(at, at + n);
      at += n;
      return { name: s.name, shape: [...s.shape], data };
    });
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

function buildGraph(built: BuiltLayer[], inputShape: Shape): Graph {
  let numParams = 0;
  const ops: Graph['ops'] = [];
  for (const l of built) {
    const kernelOffset = numParams;
    for (const w of l.weights) numParams += sizeOf(w.shape);
    const biasOffset = l.weights.length > 1 ? kernelOffset + sizeOf(l.weights[0].shape) : 0;
    if (l.op) ops.push({ ...l.op, kernelOffset, biasOffset });
  }
  if (ops.length === 0) throw new Error('Sequential: the model has no layer that computes anything (only flatten/reshape)');
  return { ops, numParams, inputSize: sizeOf(inputShape), outputSize: sizeOf(built[built.length - 1].outputShape) };
}

// Keras defaults: Glorot-uniform kernels (limit sqrt(6 / (fanIn + fanOut))) and zero biases.
function initGlorot(built: BuiltLayer[], params: Float32Array, seed: number): void {
  const rng = new Random(seed);
  let at = 0;
  for (const w of built.flatMap((l) => l.weights)) {
    const n = sizeOf(w.shape);
    if (w.fans) {
      const limit = Math.sqrt(6 / (w.fans.fanIn + w.fans.fanOut));
      for (let i = 0; i < n; i++) params[at + i] = (2 * rng.uniform() - 1) * limit;
    }
    at += n;
  }
}
