// Model files in the TensorFlow.js Layers format (browser-safe: no fs, no fetch here).
//
// model.json: { format: 'layers-model', generatedBy, convertedBy, modelTopology (a Keras Sequential
// config, or a functional one: class_name 'Model'/'Functional' with inbound_nodes, input_layers, output_layers), trainingConfig (loss, optimizer_config), weightsManifest: [{ paths, weights: [{ name, shape,
// dtype }] }], userDefinedMetadata }, and the weights as little-endian float32 in manifest order in the
// files of `paths` (we write one, weights.bin). This is what tf.loadLayersModel reads and LayersModel.save
// writes, so models travel both ways.
//
// Optimizer state follows TF.js's `includeOptimizer: true`: manifest entries with group 'optimizer',
// first 'iter' (int32 scalar: steps taken), then the optimizer's slots named `<weight>/<slot>`, slot by
// slot, each in the order of the manifest's model weights (adadelta accum_grad, accum_var; adam m, v;
// momentum momentum; adagrad accumulator; rmsprop rms, momentum, mg). TF.js restores them into its
// optimizer on load, matching them to its weights by position, so we write the model weights in Keras's
// layer order (for a graph it can differ from ours, which is by first use) and read slots by the file's
// order. What TF.js's format cannot say (adadelta's update order, adam's beta powers exactly as
// accumulated in f32) goes in userDefinedMetadata['denoise-wasm'], which TF.js keeps but does not interpret.
import { Sequential } from '../model/sequential.js';
import { LayersModel, MODEL_OPTIONS, type ModelOptions, type OptimizerState } from '../model/model.js';
import { input, SymbolicTensor, type KerasConfigReader } from '../model/layer.js';
import { LAYER_TYPES, layerType, type Layer } from '../model/layers.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';
import { resolveLoss, type LossName } from '../train/losses.js';
import type { OptimizerConfig } from '../train/optimizers.js';

/** The weights file model.save() writes next to model.json. */
export const WEIGHTS_FILE = 'weights.bin';
export const MODEL_FILE = 'model.json';
/** Key of our own entry in userDefinedMetadata. */
export const METADATA_KEY = 'denoise-wasm';
const FORMAT_VERSION = 1;

/** One tensor in the weights manifest. */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: unknown;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export interface KerasLayerJson {
  class_name: string;
  config: Record<string, unknown>;
  /** Functional models: the layer's name and, per application, the [layer, node, tensor, kwargs] it reads. */
  name?: string;
  inbound_nodes?: unknown[];
}

/** model.json as TF.js reads and writes it (the parts we use). */
export interface ModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: {
    class_name: 'Sequential' | 'Model' | 'Functional';
    config: { name: string; layers: KerasLayerJson[]; input_layers?: unknown; output_layers?: unknown };
    keras_version?: string;
    backend?: string;
  };
  trainingConfig?: {
    loss: string;
    metrics: unknown[];
    optimizer_config: { class_name: string; config: Record<string, unknown> };
  };
  weightsManifest: WeightsManifestGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Our entry in userDefinedMetadata. */
interface DenoiseMetadata {
  formatVersion: number;
  /** The optimizer exactly as compiled (TF.js's optimizer_config cannot say adadelta's order). */
  optimizer?: OptimizerConfig;
  /** Adam's beta powers as accumulated in f32, and the step count they belong to. */
  optimizerState?: { accBetas: [number, number]; iterations: number };
  /** Per layer name, the options its Keras config cannot say (LayerType.ownOptions: GaussianNoise's clip). */
  layerOptions?: Record<string, Record<string, unknown>>;
}

/** What loadModel/presets take: the model options (threads, variant, ...) and whether to compile. */
export interface LoadModelOptions extends ModelOptions {
  /** Compile with the file's loss and optimizer and restore the optimizer state (default true when the file has them). */
  compile?: boolean;
}

export const LOAD_MODEL_OPTIONS: OptionSpec<LoadModelOptions> = { ...MODEL_OPTIONS, compile: 'value' };

// ---------------------------------------------------------------------------------------------------
// Saving

const GLOROT_UNIFORM = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } };
const ZEROS = { class_name: 'Zeros', config: {} };
const NO_EXTRAS = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

const LOSS_TO_KERAS: Record<LossName, string> = {
  binaryCrossentropy: 'binary_crossentropy', meanSquaredError: 'mean_squared_error', meanAbsoluteError: 'mean_absolute_error',
};

/** What modelToFiles takes: save()'s options, and the name model.json gives the weights file. */
export interface ModelToFilesOptions {
  includeOptimizer?: boolean;
  weightsPath?: string;
}
const MODEL_TO_FILES_OPTIONS: OptionSpec<ModelToFilesOptions> = { includeOptimizer: 'value', weightsPath: 'value' };

/** model.json and the weights bytes of a model (weightsPath: the name model.json gives the weights file). */
export function modelToFiles(model: LayersModel, options: ModelToFilesOptions = {}): { json: ModelJson; weights: Uint8Array } {
  checkOptions(options, MODEL_TO_FILES_OPTIONS, 'modelToFiles');
  const includeOptimizer = options.includeOptimizer ?? true;
  const weights = model.getWeights();   // in Keras's layer order, as TF.js matches optimizer state by position
  const entries: WeightsManifestEntry[] = weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' }));
  const arrays: Array<Float32Array | Int32Array> = weights.map((w) => w.data);
  const json: ModelJson = {
    format: 'layers-model',
    generatedBy: 'denoise-wasm',
    convertedBy: null,
    modelTopology: topologyOf(model),
    weightsManifest: [],
  };
  const compiled = model.compileConfig;
  const meta: DenoiseMetadata = { formatVersion: FORMAT_VERSION };
  const own = ownLayerOptions(model);
  if (Object.keys(own).length > 0) meta.layerOptions = own;
  if (compiled) {
    json.trainingConfig = { loss: LOSS_TO_KERAS[compiled.loss], metrics: [], optimizer_config: optimizerToKeras(compiled.optimizer) };
    meta.optimizer = compiled.optimizer;
    const state = includeOptimizer ? model.getOptimizerState() : null;
    if (state) {
      entries.push({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
      arrays.push(Int32Array.of(state.iterations));
      const trainable = new Set(model.weights.filter((w) => w.trainable).map((w) => w.name));
      slotNames(compiled.optimizer).forEach((slot, k) => {
        let at = 0;
        for (const w of weights.filter((t) => trainable.has(t.name))) {   // the trainable prefix of the block
          entries.push({ name: `${w.name}/${slot}`, shape: [...w.shape], dtype: 'float32', group: 'optimizer' });
          arrays.push(state.slots[k].slice(at, at + w.data.length));
          at += w.data.length;
        }
      });
      meta.optimizerState = { accBetas: [...state.accBetas], iterations: state.iterations };
    }
  }
  json.weightsManifest = [{ paths: [options.weightsPath ?? WEIGHTS_FILE], weights: entries }];
  json.userDefinedMetadata = { [METADATA_KEY]: meta };
  const bytes = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return { json, weights: bytes };
}

/** The options of the model's layers that Keras configs cannot carry, by layer name (only those set). */
function ownLayerOptions(model: LayersModel): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  model.layerConfigs.forEach((spec, i) => {
    const keys = layerType(spec.className)?.ownOptions ?? [];
    const set = keys.filter((k) => spec.config[k] !== undefined);
    if (set.length > 0) out[model.layers[i].name] = Object.fromEntries(set.map((k) => [k, spec.config[k]]));
  });
  return out;
}

/** Each weight's offset in the model's flat parameters, by name (a file may list them in another order). */
function weightOffsets(model: LayersModel): Map<string, number> {
  const offsets = new Map<string, number>();
  let at = 0;
  for (const w of model.weights) {
    offsets.set(w.name, at);
    at += w.shape.reduce((a, d) => a * d, 1);
  }
  return offsets;
}

const INITIALIZED = { kernel_initializer: GLOROT_UNIFORM, bias_initializer: ZEROS, ...NO_EXTRAS };

/** A layer's Keras config: its type's own keys, then what every layer has. */
function kerasConfigOf(className: string, config: Record<string, unknown>, name: string): Record<string, unknown> {
  const type = layerType(className);
  if (!type) throw new Error(`save: layer ${name} is a ${className}, which the model format does not know how to store`);
  const own = type.toKeras(config);
  return { ...('use_bias' in own ? INITIALIZED : {}), ...own, name, trainable: true, dtype: 'float32' };
}

/** Keras's topology of the model: Sequential's layer list, or the functional graph. */
function topologyOf(model: LayersModel): ModelJson['modelTopology'] {
  const specs = model.layerConfigs;
  if (model instanceof Sequential) {
    const kerasLayers = model.layers.map((b, i) => {
      const config = kerasConfigOf(specs[i].className, specs[i].config, b.name);
      if (i === 0) config.batch_input_shape = [null, ...model.inputShape];
      return { class_name: specs[i].className, config };
    });
    return { class_name: 'Sequential', config: { name: model.name, layers: kerasLayers } };
  }
  const inputLayer: KerasLayerJson = { class_name: 'InputLayer', name: model.inputName, inbound_nodes: [],
    config: { batch_input_shape: [null, ...model.inputShape], dtype: 'float32', sparse: false, name: model.inputName } };
  const kerasLayers = model.layers.map((b, i) => ({
    class_name: specs[i].className, name: b.name, config: kerasConfigOf(specs[i].className, specs[i].config, b.name),
    inbound_nodes: model.nodes.filter((n) => n.layer === b.name).map((n) => n.inbound.map(([l, k]) => [l, k, 0, {}])),
  }));
  const out = model.nodes[model.nodes.length - 1];
  return { class_name: 'Model', config: { name: model.name, layers: [inputLayer, ...kerasLayers],
    input_layers: [[model.inputName, 0, 0]], output_layers: [[out.layer, out.nodeIndex, 0]] } };
}

/** TF.js's optimizer class names and configs (what LayersModel.save writes in optimizer_config). */
function optimizerToKeras(o: OptimizerConfig): { class_name: string; config: Record<string, unknown> } {
  switch (o.type) {
    case 'adadelta': return { class_name: 'Adadelta', config: { learningRate: o.learningRate, rho: o.rho, epsilon: o.epsilon } };
    case 'adam': return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
    case 'sgd':
      return o.momentum ? { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: !!o.nesterov } }
        : { class_name: 'SGD', config: { learningRate: o.learningRate } };
    case 'adagrad': return { class_name: 'Adagrad', config: { learningRate: o.learningRate, initialAccumulatorValue: o.initialAccumulatorValue } };
    case 'rmsprop': return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: !!o.centered } };
  }
}

/** TF.js's slot names, in the order its getWeights() lists them; slot k is our state slot k. */
function slotNames(o: OptimizerConfig): string[] {
  switch (o.type) {
    case 'adadelta': return ['accum_grad', 'accum_var'];
    case 'adam': return ['m', 'v'];
    case 'sgd': return o.momentum ? ['momentum'] : [];
    case 'adagrad': return ['accumulator'];
    case 'rmsprop': return o.centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'];
  }
}

// ---------------------------------------------------------------------------------------------------
// Loading

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4 };

/** The weights-file paths model.json lists, in order (checked enough to read them). */
export function weightPaths(json: unknown, where: string): string[] {
  const manifest = (json as ModelJson | null)?.weightsManifest;
  if (!Array.isArray(manifest)) throw new Error(`${where}: model.json has no weightsManifest (is it a TF.js Layers model.json?)`);
  return manifest.flatMap((g, i) => {
    if (!g || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw new Error(`${where}: model.json: weightsManifest[${i}] needs paths (file names) and weights`);
    }
    for (const p of g.paths) checkInsideModel(p, `${where}: model.json: weightsManifest[${i}]`);
    return g.paths;
  });
}

/**
 * A weights path must name a file in the model's own folder (or below it): relative, no '..' segment,
 * no scheme or drive, so a model file can never make the loader read elsewhere on the disk or the web.
 */
export function checkInsideModel(path: string, where: string): void {
  // URLs read %2e%2e as '..', so segments are compared decoded too.
  const segments = path.split(/[\\/]/).flatMap((s) => { try { return [s, decodeURIComponent(s)]; } catch { return [s]; } });
  if (path === '' || /^[\\/]/.test(path) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path) || segments.includes('..') || path.includes('\0')) {
    throw outsideModel(path, where);
  }
}

/** The error for a weights path that leaves the model's folder. */
export function outsideModel(path: string, where: string): Error {
  return new Error(`${where}: the weights path ${JSON.stringify(path)} points outside the model's folder; ` +
    "weights files must be named relative to model.json, inside its folder (e.g. 'weights.bin')");
}

/** Parses model.json text with an error that says what is wrong. */
export function parseModelJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: model.json is not valid JSON (truncated or not a model file?): ${(e as Error).message}`);
  }
}

/**
 * Builds the model a model.json describes, with the weights read from `readWeights(path)` for each path
 * of its manifest. Every problem (a layer or activation we lack, a truncated or mismatched weights file,
 * shapes that disagree) is an error that names it.
 */
export function modelFromFiles(json: unknown, readWeights: (path: string) => Uint8Array, options: LoadModelOptions = {}, where = 'loadModel'): LayersModel {
  const j = json as ModelJson;
  if (!j || typeof j !== 'object') throw new Error(`${where}: model.json must be a JSON object`);
  if (j.format !== undefined && j.format !== 'layers-model') {
    throw new Error(`${where}: model.json is a ${JSON.stringify(j.format)} model; only TF.js Layers models ('layers-model') can be loaded`);
  }
  const { compile: wantCompile, ...modelOptions } = checkOptions(options, LOAD_MODEL_OPTIONS, where);
  const own = metadataOf(j)?.layerOptions;
  const build = parseTopology(j.modelTopology, where, own && typeof own === 'object' ? own : {});
  const tensors = readTensors(j, readWeights, where);
  let model: LayersModel;
  try {
    model = build(modelOptions);
  } catch (e) {
    throw new Error(`${where}: model.json describes layers that do not fit together: ${(e as Error).message}`);
  }
  // Model weights by name, as TF.js's loadWeights matches them (names are <layer name>/<weight>).
  const byName = new Map(tensors.filter((t) => t.group !== 'optimizer').map((t) => [t.name.replace(/:0$/, ''), t]));
  const values = model.weights.map((spec) => {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`${where}: the weights manifest has no ${spec.name} (layer ${spec.name.split('/')[0]} needs it)`);
    if (t.shape.join() !== spec.shape.join()) throw new Error(`${where}: weight ${spec.name} has shape [${t.shape}] in the manifest but the layer needs [${spec.shape}]`);
    if (!(t.data instanceof Float32Array)) throw new Error(`${where}: weight ${spec.name} is ${t.dtype}; model weights must be float32`);
    byName.delete(spec.name);
    return t.data;
  });
  if (byName.size > 0) throw new Error(`${where}: the weights manifest has ${[...byName.keys()].join(', ')}, which no layer of the model owns`);
  try {
    model.setWeights(values);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  if (wantCompile !== false && j.trainingConfig) {
    const meta = metadataOf(j);
    const optimizer = meta?.optimizer ?? optimizerFromKeras(j.trainingConfig.optimizer_config, j.generatedBy, where);
    const lossName = j.trainingConfig.loss;
    if (typeof lossName !== 'string') throw new Error(`${where}: trainingConfig.loss must be one loss name, got ${describeValue(lossName)}`);
    let loss: LossName;
    try {
      loss = resolveLoss(lossName);
    } catch {
      throw new Error(`${where}: loss ${JSON.stringify(lossName)} is not supported (binary_crossentropy, mean_squared_error, mean_absolute_error are); pass { compile: false } to load without it`);
    }
    try {
      model.compile({ optimizer, loss });
    } catch (e) {
      throw new Error(`${where}: trainingConfig: ${(e as Error).message}`);
    }
    const fileOrder = tensors.filter((t) => t.group !== 'optimizer').map((t) => t.name.replace(/:0$/, ''));
    const state = optimizerStateOf(tensors.filter((t) => t.group === 'optimizer'), fileOrder, model, model.compileConfig!.optimizer, meta, where);
    if (state) {
      try {
        model.setOptimizerState(state);
      } catch (e) {
        throw new Error(`${where}: optimizer state: ${(e as Error).message} (pass { compile: false } to load the weights alone)`);
      }
    }
  }
  return model;
}

interface DecodedTensor extends WeightsManifestEntry {
  data: Float32Array | Int32Array;
}

/** Every manifest tensor, decoded, with the byte counts of each group's files checked. */
function readTensors(j: ModelJson, readWeights: (path: string) => Uint8Array, where: string): DecodedTensor[] {
  weightPaths(j, where);
  const out: DecodedTensor[] = [];
  for (const group of j.weightsManifest) {
    const parts = group.paths.map((p) => readWeights(p));
    const bytes = parts.length === 1 ? parts[0] : concat(parts);
    const files = group.paths.join(' + ');
    let need = 0;
    const sizes = group.weights.map((w, i) => {
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new Error(`${where}: model.json: weightsManifest entry ${i} (${JSON.stringify(w?.name)}) needs a name and a shape of non-negative integers`);
      }
      if (w.quantization) throw new Error(`${where}: weight ${w.name} is quantized; only float32 weights are supported (save the model without quantization)`);
      const b = DTYPE_BYTES[w.dtype ?? 'float32'];
      if (!b) throw new Error(`${where}: weight ${w.name} has dtype ${JSON.stringify(w.dtype)}; only float32 (and int32 for 'iter') are supported`);
      const n = w.shape.reduce((a, d) => a * d, 1) * b;
      need += n;
      return n;
    });
    if (bytes.length < need) {
      throw new Error(`${where}: ${files} is truncated: it has ${bytes.length} bytes but the manifest's ${group.weights.length} weights need ${need} (save or download the model again)`);
    }
    if (bytes.length > need) {
      throw new Error(`${where}: ${files} has ${bytes.length} bytes but the manifest's weights need ${need}: the weights file does not belong to this model.json`);
    }
    let at = 0;
    group.weights.forEach((w, i) => {
      // A copy, so the typed array starts at offset 0 of a buffer of its own: `bytes` may be a view at any
      // offset (a Node Buffer's slice() is a view into a shared pool, not a copy).
      const chunk = new Uint8Array(sizes[i]);
      chunk.set(bytes.subarray(at, at + sizes[i]));
      at += sizes[i];
      const data = (w.dtype ?? 'float32') === 'int32' ? new Int32Array(chunk.buffer) : new Float32Array(chunk.buffer);
      out.push({ name: w.name, shape: [...w.shape], dtype: w.dtype ?? 'float32', group: w.group, data });
    });
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function metadataOf(j: ModelJson): DenoiseMetadata | null {
  const m = j.userDefinedMetadata?.[METADATA_KEY] as DenoiseMetadata | undefined;
  return m && typeof m === 'object' && m.formatVersion === FORMAT_VERSION ? m : null;
}

/**
 * The optimizer state stored in the 'optimizer' group, or null when there is none. Its slots list the
 * weights in the order of the file's model weights (`fileOrder`), which is TF.js's layer order in files
 * TF.js writes (Keras's, like ours, though a file of another writer may differ).
 */
function optimizerStateOf(group: DecodedTensor[], fileOrder: string[], model: LayersModel, o: OptimizerConfig, meta: DenoiseMetadata | null, where: string): OptimizerState | null {
  if (group.length === 0) return null;
  const [iter, ...rest] = group;
  if (iter.name !== 'iter' || iter.shape.length !== 0) throw new Error(`${where}: optimizer weights must start with the scalar 'iter', got ${iter.name} [${iter.shape}]`);
  const iterations = Math.round(iter.data[0]);
  // Only trainable weights have optimizer slots (TF.js's too).
  const specs = new Map(model.weights.filter((w) => w.trainable).map((w) => [w.name, w]));
  const weights = fileOrder.filter((name) => specs.has(name)).map((name) => specs.get(name)!);
  const offsets = weightOffsets(model);
  const names = slotNames(o);
  const fresh = model.getOptimizerState()!;
  if (rest.length === 0) return { ...fresh, iterations };   // TF.js before its first step: no slots yet
  if (rest.length !== names.length * weights.length) {
    throw new Error(`${where}: the optimizer state has ${rest.length} tensors, but ${o.type} needs ${names.length} per weight ` +
      `(${names.join(', ') || 'none'}) for ${weights.length} weights; pass { compile: false } to load the model without it`);
  }
  const slots = fresh.slots;
  names.forEach((slot, k) => {
    weights.forEach((w, i) => {
      const t = rest[k * weights.length + i];
      if (!t.name.endsWith(`/${slot}`) || t.shape.join() !== w.shape.join() || !(t.data instanceof Float32Array)) {
        throw new Error(`${where}: optimizer weight ${k * weights.length + i + 1} should be ${w.name}/${slot} [${w.shape}] float32, got ${t.name} [${t.shape}] ${t.dtype}`);
      }
      slots[k].set(t.data, offsets.get(w.name)!);
    });
  });
  let accBetas: [number, number] = [1, 1];
  if (o.type === 'adam') {
    const ours = meta?.optimizerState;
    // TF.js restores beta^(iter + 1) from the step count; our own files keep the f32 products exactly.
    accBetas = ours && ours.iterations === iterations && Array.isArray(ours.accBetas) ? [ours.accBetas[0], ours.accBetas[1]]
      : [Math.fround(Math.pow(o.beta1!, iterations + 1)), Math.fround(Math.pow(o.beta2!, iterations + 1))];
  }
  return { slots, accBetas, iterations };
}

/** Our optimizer config from TF.js's (or Keras's) optimizer_config. */
function optimizerFromKeras(oc: unknown, generatedBy: unknown, where: string): OptimizerConfig {
  const cls = (oc as { class_name?: unknown })?.class_name;
  const cfg = camelKeys(((oc as { config?: unknown })?.config ?? {}) as Record<string, unknown>);
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof cfg[k] === 'number') return cfg[k] as number;
    return undefined;
  };
  const lr = num('learningRate', 'lr');
  switch (cls) {
    case 'Adadelta':
      // TF.js's adadelta divides by the accumulator from before the step; Keras's (and ours) after.
      return { type: 'adadelta', learningRate: lr, rho: num('rho'), epsilon: num('epsilon'),
        order: typeof generatedBy === 'string' && generatedBy.startsWith('TensorFlow.js') ? 'tfjs' : 'keras' };
    case 'Adam':
      return { type: 'adam', learningRate: lr, beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon') };
    case 'SGD':
      return { type: 'sgd', learningRate: lr, momentum: num('momentum'), nesterov: cfg.nesterov === true };
    case 'Momentum':
      return { type: 'sgd', learningRate: lr, momentum: num('momentum'), nesterov: cfg.useNesterov === true };
    case 'Adagrad':
      return { type: 'adagrad', learningRate: lr, initialAccumulatorValue: num('initialAccumulatorValue') };
    case 'RMSProp': case 'RMSprop':
      return { type: 'rmsprop', learningRate: lr, rho: num('rho', 'decay'), momentum: num('momentum'), epsilon: num('epsilon'), centered: cfg.centered === true };
    default:
      throw new Error(`${where}: optimizer ${JSON.stringify(cls)} is not supported (Adadelta, Adam, SGD, Momentum, Adagrad, RMSProp are); ` +
        'pass { compile: false } to load the model without its training configuration');
  }
}

function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));
}

type ModelBuilder = (options: ModelOptions) => LayersModel;

/** A function that builds the model a Keras topology describes (Sequential or functional). */
function parseTopology(topology: unknown, where: string, own: OwnOptions): ModelBuilder {
  let t = topology as { class_name?: unknown; config?: unknown; model_config?: unknown } | null;
  if (t && typeof t === 'object' && t.model_config) t = t.model_config as typeof t;
  if (!t || typeof t !== 'object') throw new Error(`${where}: model.json has no modelTopology`);
  if (t.class_name === 'Model' || t.class_name === 'Functional') return parseFunctional(t.config, where, own);
  if (t.class_name !== 'Sequential') {
    throw new Error(`${where}: the model is a ${JSON.stringify(t.class_name)}; Sequential and functional ('Model', 'Functional') models are supported`);
  }
  const cfg = t.config as { name?: unknown; layers?: unknown } | unknown[];
  const entries = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${where}: the Sequential model lists no layers`);
  let inputShape: number[] | null = null;
  const layerList: Layer[] = [];
  entries.forEach((entry: KerasLayerJson, i: number) => {
    const cls = entry?.class_name;
    const c = (entry?.config ?? {}) as Record<string, unknown>;
    const label = `layer ${i} (${typeof c.name === 'string' ? c.name : cls})`;
    const shape = batchInputShape(c, label, where);
    if (shape) {
      if (i !== 0 && cls !== 'InputLayer') throw new Error(`${where}: ${label} gives an input shape, but only the first layer may`);
      inputShape = shape;
    }
    if (cls === 'InputLayer') {
      if (i !== 0) throw new Error(`${where}: ${label}: an InputLayer must come first`);
      if (!inputShape) throw new Error(`${where}: ${label} has no batch_input_shape`);
      return;
    }
    layerList.push(layerFromKeras(cls, c, label, where, own));
  });
  if (!inputShape) throw new Error(`${where}: the model has no input shape (batch_input_shape on its first layer, or an InputLayer)`);
  if (layerList.length === 0) throw new Error(`${where}: the model has no layers besides its input`);
  const name = Array.isArray(cfg) ? undefined : typeof cfg?.name === 'string' ? cfg.name : undefined;
  const shape: number[] = inputShape;
  return (options) => new Sequential({ ...options, inputShape: shape, name: options.name ?? name }, layerList);
}

/** The per-sample input shape a layer config declares (batch_input_shape and its other spellings), or null. */
function batchInputShape(c: Record<string, unknown>, label: string, where: string): number[] | null {
  const shape = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
  if (shape === undefined || shape === null) return null;
  const s = Array.isArray(shape) ? shape.slice(1) : null;
  if (!s || !s.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new Error(`${where}: ${label}: the input shape ${JSON.stringify(shape)} must be fixed positive sizes after the batch axis`);
  }
  return s as number[];
}

/** [layer name, node index] of a Keras 2 / TF.js inbound entry ([name, node, tensor, kwargs]) or a Keras 3 one. */
function inboundRef(v: unknown): [string, number] | null {
  if (Array.isArray(v) && typeof v[0] === 'string' && Number.isInteger(v[1])) return [v[0], v[1] as number];
  const history = (v as { config?: { keras_history?: unknown } })?.config?.keras_history;
  if (Array.isArray(history) && typeof history[0] === 'string' && Number.isInteger(history[1])) return [history[0], history[1] as number];
  return null;
}

/** The inbound references of one node: Keras 2 / TF.js list them, Keras 3 wraps them in { args: [...] }. */
function nodeInputs(node: unknown, label: string, where: string): Array<[string, number]> {
  let items: unknown = node;
  if (node && !Array.isArray(node) && typeof node === 'object' && 'args' in node) {
    const args = (node as { args: unknown[] }).args;
    items = Array.isArray(args) && args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  }
  if (!Array.isArray(items)) throw new Error(`${where}: ${label}: an inbound node must list the tensors it reads, got ${describeValue(node)}`);
  const single = inboundRef(items);
  const refs = single && !Array.isArray(items[0]) ? [single] : items.map(inboundRef);
  if (refs.length === 0 || refs.some((r) => r === null)) {
    throw new Error(`${where}: ${label}: cannot read its inbound node ${JSON.stringify(node).slice(0, 120)} (expected [[layer, node, tensor, kwargs], ...])`);
  }
  return refs as Array<[string, number]>;
}

/** A functional topology: layers with inbound_nodes, one input layer and one output. */
function parseFunctional(config: unknown, where: string, own: OwnOptions): ModelBuilder {
  const cfg = (config ?? {}) as { name?: unknown; layers?: unknown; input_layers?: unknown; output_layers?: unknown };
  const entries = cfg?.layers;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${where}: the functional model lists no layers`);
  const refList = (v: unknown, what: string): Array<[string, number]> => {
    const list = Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((r) => !inboundRef(r))) throw new Error(`${where}: model.json: ${what} must list [layer, node, tensor] entries, got ${describeValue(v)}`);
    if (list.length !== 1) throw new Error(`${where}: the model has ${list.length} ${what.replace('_layers', 's')}; one input and one output per model are supported`);
    return list.map((r) => inboundRef(r)!);
  };
  const [[inputName]] = refList(cfg.input_layers, 'input_layers');
  const [[outLayer, outNode]] = refList(cfg.output_layers, 'output_layers');
  // Parse every entry now, so that a bad file fails before any model is built.
  const parsed = entries.map((entry: KerasLayerJson, i: number) => {
    const cls = entry?.class_name;
    const c = (entry?.config ?? {}) as Record<string, unknown>;
    const name = typeof entry?.name === 'string' ? entry.name : typeof c.name === 'string' ? c.name : null;
    const label = `layer ${i} (${name ?? cls})`;
    if (!name) throw new Error(`${where}: ${label} has no name`);
    if (cls === 'InputLayer') {
      const shape = batchInputShape(c, label, where);
      if (!shape) throw new Error(`${where}: ${label} has no batch_input_shape`);
      return { name, label, shape, layer: null, nodes: [] as Array<Array<[string, number]>> };
    }
    const inbound = entry.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) throw new Error(`${where}: ${label}: inbound_nodes must be a list`);
    const layer = layerFromKeras(cls, { ...c, name }, label, where, own);
    return { name, label, shape: null, layer, nodes: inbound.map((n) => nodeInputs(n, label, where)) };
  });
  const inputEntry = parsed.find((p) => p.name === inputName);
  if (!inputEntry || !inputEntry.shape) throw new Error(`${where}: input_layers names ${JSON.stringify(inputName)}, which is not an InputLayer of the model`);
  const others = parsed.filter((p) => p.shape !== null && p !== inputEntry);
  if (others.length > 0) throw new Error(`${where}: the model has ${others.length + 1} InputLayers; one input per model is supported`);
  const modelName = typeof cfg.name === 'string' ? cfg.name : undefined;
  return (options) => {
    const tensors = new Map<string, SymbolicTensor>([[`${inputName}:0`, input({ shape: inputEntry.shape!, name: inputName })]]);
    // Apply layers in file order, deferring a node until what it reads exists (Keras orders them so that one pass usually does).
    const pending = parsed.flatMap((p) => p.nodes.map((refs, k) => ({ p, refs, k })));
    while (pending.length > 0) {
      const ready = pending.findIndex((n) => n.refs.every(([l, k]) => tensors.has(`${l}:${k}`)));
      if (ready < 0) {
        const n = pending[0];
        const missing = n.refs.find(([l, k]) => !tensors.has(`${l}:${k}`))!;
        throw new Error(`${where}: ${n.p.label} reads ${missing[0]}[${missing[1]}], which no layer of the file produces (or the graph has a cycle)`);
      }
      const [{ p, refs, k }] = pending.splice(ready, 1);
      const xs = refs.map(([l, i]) => tensors.get(`${l}:${i}`)!);
      tensors.set(`${p.name}:${k}`, p.layer!.applyAs(p.layer!.arity === 'many' ? xs : xs.length === 1 ? xs[0] : xs, p.name));
    }
    const output = tensors.get(`${outLayer}:${outNode}`);
    if (!output) throw new Error(`${where}: output_layers names ${outLayer}[${outNode}], which the model never computes`);
    return new LayersModel({ ...options, name: options.name ?? modelName, inputs: tensors.get(`${inputName}:0`)!, outputs: output });
  };
}

type OwnOptions = Record<string, Record<string, unknown>>;

function layerFromKeras(cls: unknown, c: Record<string, unknown>, label: string, where: string, own: OwnOptions): Layer {
  const type = typeof cls === 'string' ? layerType(cls) : undefined;
  if (!type) {
    throw new Error(`${where}: ${label} is a ${JSON.stringify(cls)}, which denoise-wasm does not support (supported: ${[...LAYER_TYPES.map((t) => t.className), 'InputLayer'].join(', ')})`);
  }
  if (c.dtype !== undefined && c.dtype !== null && c.dtype !== 'float32' && !(typeof c.dtype === 'object')) {
    throw new Error(`${where}: ${label} has dtype ${JSON.stringify(c.dtype)}; only float32 is supported`);
  }
  const fail = (what: string) => new Error(`${where}: ${label}: ${what}`);
  const get: KerasConfigReader = (key) => {
    const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    return c[key] !== undefined ? c[key] : c[camel];
  };
  try {
    const args = type.fromKeras(get, fail);
    // our own options (metadata), only those the layer type declares
    const saved = typeof c.name === 'string' && Object.hasOwn(own, c.name) ? own[c.name] : {};
    const extra = Object.fromEntries((type.ownOptions ?? []).filter((k) => saved?.[k] !== undefined).map((k) => [k, saved[k]]));
    return type.create({ ...args, ...extra, ...(typeof c.name === 'string' ? { name: c.name } : {}) } as never);
  } catch (e) {
    if ((e as Error).message.startsWith(`${where}: `)) throw e;
    throw fail((e as Error).message);
  }
}
