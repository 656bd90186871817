// Model files in browsers: fetch from a URL, IndexedDB, and downloads. Each checks that the API it needs
// exists first. IndexedDB uses TF.js's database layout ('tensorflowjs', stores 'models_store' and
// 'model_info_store', keyed by modelPath), so tf.loadLayersModel('indexeddb://name') reads what we save
// and the other way round.
import { outsideModel, parseModelJson, weightPaths, type ModelJson, type WeightsManifestEntry } from './model-format.js';

export const INDEXEDDB_SCHEME = 'indexeddb://';
export const DOWNLOADS_SCHEME = 'downloads://';

/** model.json (parsed) and a reader of the weights files it lists. */
export interface FetchedModelFiles {
  json: unknown;
  read: (path: string) => Uint8Array;
}

/** Fetches model.json from `url` and the weights files its manifest lists, relative to it. */
export async function loadFromUrl(url: string): Promise<FetchedModelFiles> {
  const where = `loadModel: ${url}`;
  if (typeof fetch !== 'function') throw new Error(`${where}: this runtime has no fetch()`);
  const base = new URL(url, typeof location !== 'undefined' ? location.href : undefined);
  const get = async (u: URL): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(u);
    } catch (e) {
      throw new Error(`${where}: fetching ${u.href} failed: ${(e as Error).message}`);
    }
    if (!res.ok) throw new Error(`${where}: fetching ${u.href} failed: HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  const json = parseModelJson(await (await get(base)).text(), where);
  const files = new Map<string, Uint8Array>();
  const folder = new URL('.', base);
  await Promise.all([...new Set(weightPaths(json, where))].map(async (p) => {
    const u = new URL(p, base);
    // weightPaths refuses '..' and schemes; this also holds for whatever a URL parser makes of the rest.
    if (u.origin !== folder.origin || !u.pathname.startsWith(folder.pathname)) throw outsideModel(p, `${where}: model.json`);
    files.set(p, new Uint8Array(await (await get(u)).arrayBuffer()));
  }));
  return { json, read: (p) => files.get(p)! };
}

// --- IndexedDB, in TF.js's layout -------------------------------------------------------------------

const DATABASE_NAME = 'tensorflowjs';
const DATABASE_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

function openDatabase(where: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') throw new Error(`${where}: this runtime has no IndexedDB (indexeddb:// works in browsers)`);
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DATABASE_NAME, DATABASE_VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      req.result.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${where}: cannot open IndexedDB: ${req.error?.message}`));
  });
}

/** Stores the model as TF.js's BrowserIndexedDB does (both records in one transaction: all or nothing). */
export async function saveToIndexedDb(name: string, files: { json: ModelJson; weights: Uint8Array }): Promise<void> {
  const where = `save: ${INDEXEDDB_SCHEME}${name}`;
  if (!name) throw new Error(`${where}: give a model name after ${INDEXEDDB_SCHEME}`);
  const db = await openDatabase(where);
  const { weightsManifest, ...rest } = files.json;
  const weightData = files.weights.slice().buffer;
  const weightSpecs = weightsManifest.flatMap((g) => g.weights);
  const modelArtifactsInfo = {
    dateSaved: new Date(), modelTopologyType: 'JSON',
    modelTopologyBytes: JSON.stringify(rest.modelTopology).length,
    weightSpecsBytes: JSON.stringify(weightSpecs).length,
    weightDataBytes: weightData.byteLength,
  };
  const modelArtifacts = { ...rest, weightSpecs, weightData };
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
      tx.objectStore(INFO_STORE).put({ modelPath: name, modelArtifactsInfo });
      tx.objectStore(MODEL_STORE).put({ modelPath: name, modelArtifacts, modelArtifactsInfo });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new Error(`${where}: ${tx.error?.message ?? 'the transaction failed'}`));
      tx.onabort = () => reject(new Error(`${where}: ${tx.error?.message ?? 'the transaction was aborted'}`));
    });
  } finally {
    db.close();
  }
}

/** Reads a model stored by saveToIndexedDb or by TF.js's model.save('indexeddb://name'). */
export async function loadFromIndexedDb(name: string): Promise<FetchedModelFiles> {
  const where = `loadModel: ${INDEXEDDB_SCHEME}${name}`;
  const db = await openDatabase(where);
  let record: { modelArtifacts?: Record<string, unknown> } | undefined;
  try {
    record = await new Promise((resolve, reject) => {
      const req = db.transaction(MODEL_STORE, 'readonly').objectStore(MODEL_STORE).get(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new Error(`${where}: ${req.error?.message}`));
    });
  } finally {
    db.close();
  }
  const a = record?.modelArtifacts;
  if (!a) throw new Error(`${where}: no model is stored under this name`);
  const { weightSpecs, weightData, ...rest } = a as { weightSpecs?: WeightsManifestEntry[]; weightData?: ArrayBuffer | ArrayBuffer[] };
  const parts = Array.isArray(weightData) ? weightData : weightData ? [weightData] : [];
  const bytes = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) { bytes.set(new Uint8Array(b), at); at += b.byteLength; }
  const json = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs ?? [] }] };
  return { json, read: () => bytes };
}

// --- downloads ---------------------------------------------------------------------------------------

/** Offers `${name}.json` and `${name}.weights.bin` as downloads (as TF.js's downloads:// does). */
export async function downloadFiles(name: string, files: { json: ModelJson; weights: Uint8Array }): Promise<void> {
  const where = `save: ${DOWNLOADS_SCHEME}${name}`;
  if (typeof document === 'undefined' || typeof URL.createObjectURL !== 'function') {
    throw new Error(`${where}: downloads need a browser page (document and URL.createObjectURL)`);
  }
  const offer = (blob: Blob, filename: string) => {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.download = filename;
    a.href = url;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  offer(new Blob([JSON.stringify(files.json)], { type: 'application/json' }), `${name}.json`);
  offer(new Blob([files.weights.slice().buffer], { type: 'application/octet-stream' }), `${name}.weights.bin`);
}
