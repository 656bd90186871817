// loadModel / saveModel: where model files come from and go to. Browser-safe: Node's file system is
// reached only through a dynamic import that bundlers are told to skip.
import { registerModelSaver, type LayersModel, type SaveOptions } from '../model/model.js';
import { LOAD_MODEL_OPTIONS, WEIGHTS_FILE, modelFromFiles, modelToFiles, parseModelJson, type LoadModelOptions } from './model-format.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';
import type { loadModelFromPath, saveModelToDir } from './model-node.js';
import * as web from './model-web.js';

/**
 * Where a model comes from: a directory or model.json path (Node), a URL of a model.json (fetched with
 * the weights files next to it; file: URLs are read from disk in Node), 'indexeddb://name' (browsers),
 * or the files themselves: `{ json, weights }` with model.json's text or object and the weights as bytes
 * (or a map from the manifest's file names to bytes).
 */
export type ModelSource = string | URL | ModelFilesInMemory;

export interface ModelFilesInMemory {
  json: string | object;
  weights: Uint8Array | ArrayBuffer | Record<string, Uint8Array | ArrayBuffer>;
}

export type { LoadModelOptions };

const FILES_IN_MEMORY: OptionSpec<ModelFilesInMemory> = { json: 'value', weights: 'value' };

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string';
const SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;

async function nodeIo(): Promise<{ loadModelFromPath: typeof loadModelFromPath; saveModelToDir: typeof saveModelToDir }> {
  // Hidden from bundlers so browser builds don't pull in fs.
  const nodeOnly = './model-node.js';
  return import(/* @vite-ignore */ /* webpackIgnore: true */ nodeOnly);
}

/** Loads a model saved by model.save() or by TF.js (LayersModel.save), ready to predict, evaluate or train on. */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<LayersModel> {
  checkOptions(options, LOAD_MODEL_OPTIONS, 'loadModel');
  if (source && typeof source === 'object' && !(source instanceof URL)) {
    const where = 'loadModel';
    checkOptions(source, FILES_IN_MEMORY, where);
    const w = source.weights;
    const isBytes = (b: unknown) => b instanceof Uint8Array || b instanceof ArrayBuffer;
    if (!isBytes(w) && !(w && typeof w === 'object' && !ArrayBuffer.isView(w) && Object.values(w).every(isBytes))) {
      throw new Error(`${where}: { json, weights } needs the weights file's bytes too: weights: a Uint8Array (e.g. ` +
        `fs.readFileSync('my-model/${WEIGHTS_FILE}')) or ArrayBuffer, or { '${WEIGHTS_FILE}': bytes } per file the manifest ` +
        `lists; got ${describeValue(w)}`);
    }
    if (typeof source.json !== 'string' && (!source.json || typeof source.json !== 'object')) {
      throw new Error(`${where}: { json, weights } needs json: model.json's text or the object it holds, got ${describeValue(source.json)}`);
    }
    const json = typeof source.json === 'string' ? parseModelJson(source.json, where) : source.json;
    const bytes = (b: Uint8Array | ArrayBuffer) => (b instanceof Uint8Array ? b : new Uint8Array(b));
    const read = (path: string) => {
      if (w instanceof Uint8Array || w instanceof ArrayBuffer) return bytes(w);
      const b = w[path] ?? w[path.replace(/^\.\//, '')];
      if (!b) throw new Error(`${where}: no bytes given for the weights file ${path} (the manifest lists it)`);
      return bytes(b);
    };
    return modelFromFiles(json, read, options, where);
  }
  const text = String(source);
  if (text.startsWith(web.INDEXEDDB_SCHEME)) {
    const files = await web.loadFromIndexedDb(text.slice(web.INDEXEDDB_SCHEME.length));
    return modelFromFiles(files.json, files.read, options, `loadModel: ${text}`);
  }
  if (text.startsWith(web.DOWNLOADS_SCHEME)) {
    throw new Error(`loadModel: ${text}: downloads:// only saves; load the downloaded files from a URL or as loadModel({ json, weights })`);
  }
  if (source instanceof URL ? source.protocol === 'file:' : text.startsWith('file://')) {
    if (!isNode()) throw new Error(`loadModel: ${text}: file: URLs can only be read in Node`);
    return (await nodeIo()).loadModelFromPath(source instanceof URL ? source : new URL(text), options);
  }
  if (source instanceof URL || SCHEME.test(text) || !isNode()) {
    const files = await web.loadFromUrl(text);
    return modelFromFiles(files.json, files.read, options, `loadModel: ${text}`);
  }
  return (await nodeIo()).loadModelFromPath(text, options);
}

/** model.save(target): see LayersModel.save. */
export async function saveModel(model: LayersModel, target: string | URL, options: SaveOptions = {}): Promise<void> {
  const text = String(target);
  if (text.startsWith(web.INDEXEDDB_SCHEME)) {
    return web.saveToIndexedDb(text.slice(web.INDEXEDDB_SCHEME.length), modelToFiles(model, options));
  }
  if (text.startsWith(web.DOWNLOADS_SCHEME)) {
    const name = text.slice(web.DOWNLOADS_SCHEME.length) || 'model';
    return web.downloadFiles(name, modelToFiles(model, { ...options, weightsPath: `./${name}.weights.bin` }));
  }
  const isFileUrl = target instanceof URL ? target.protocol === 'file:' : text.startsWith('file://');
  if (!isFileUrl && (target instanceof URL || SCHEME.test(text))) {
    throw new Error(`save: cannot save to ${text}; give a directory (Node), 'indexeddb://name' or 'downloads://name' (browsers)`);
  }
  if (!isNode()) throw new Error(`save: ${text}: saving to a directory needs Node; in a browser use 'indexeddb://name' or 'downloads://name'`);
  const { json, weights } = modelToFiles(model, options);
  return (await nodeIo()).saveModelToDir(isFileUrl ? new URL(text) : text, { 'model.json': JSON.stringify(json), 'weights.bin': weights });
}

registerModelSaver(saveModel);
