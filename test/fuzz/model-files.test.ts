// Fuzzing the model-file reader (model.json + weights.bin, TF.js Layers format) from a valid saved model
// with optimizer state: bytes of weights.bin and of model.json mutated (fuzz.ts), and model.json changed
// as JSON: one value anywhere in it deleted or replaced (wrong types, negative, huge, empty, nested),
// array elements dropped or repeated. A model that loads must hold exactly the weights the file holds;
// one that does not must be refused with an error that starts "loadModel".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random, Sequential, layers, loadModel, tensor, type LayersModel } from '../../src/index.js';
import { Fuzz, inTempDir, mutate } from './fuzz.js';

const SEED = 20261003;

async function validModel(dir: string): Promise<{ json: string; weights: Uint8Array }> {
  const model = new Sequential({ inputShape: [8, 8, 1], seed: 1, threads: 1 }, [
    layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
    layers.upSampling2d({ size: 2 }),
    layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const x = tensor(new Float32Array(4 * 64).fill(0.5), [4, 8, 8, 1]);
  await model.fit(x, x, { epochs: 1, batchSize: 4 });                 // so that optimizer state is saved too
  await model.save(join(dir, 'valid'));
  model.dispose();
  return { json: readFileSync(join(dir, 'valid', 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(dir, 'valid', 'weights.bin'))) };
}

/** The weights of a loaded model are the first bytes of the weights file, in order (optimizer state follows). */
function holdsWeights(weights: Uint8Array) {
  return (model: LayersModel) => {
    const flat = model.getWeights().flatMap((w) => [...new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength)]);
    expect(Buffer.from(flat).equals(Buffer.from(weights.subarray(0, flat.length)))).toBe(true);
    model.dispose();
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Slot = [Json[] | { [k: string]: Json }, string | number, string | undefined];

/** Every [parent, key, the parent's own key] triple in a JSON tree. */
function slots(j: Json, out: Slot[] = [], parentKey?: string): Slot[] {
  if (Array.isArray(j)) j.forEach((v, i) => { out.push([j, i, parentKey]); slots(v, out, parentKey); });
  else if (j && typeof j === 'object') for (const k of Object.keys(j)) { out.push([j, k, parentKey]); slots(j[k], out, k); }
  return out;
}

/** Layer options that size weights: huge values there are a known bug (see the skipped test at the end). */
const SIZE_KEYS = new Set(['filters', 'kernel_size', 'units', 'batch_input_shape', 'target_shape']);

/**
 * Values that a corrupt or hand-edited model.json might hold. Left out: paths outside the folder (see the
 * last test), and numbers above 1e6 for the layer sizes in SIZE_KEYS and inside them (the skipped test
 * before it): they would fail every run on a bug this change does not fix.
 */
function strangeValue(old: Json, r: Random, key: string | number, parentKey: string | undefined): Json {
  const sizes = SIZE_KEYS.has(String(key)) || (parentKey !== undefined && SIZE_KEYS.has(parentKey));
  const pool: Json[] = [null, true, false, 0, -1, 1.5, 3, -1e9, '', 'x', 'relu', 'float16', [], {}, [null], { a: 1 },
    [1, 2, 3], [-1, -1], 'a'.repeat(10_000), ...(sizes ? [] : [1e9, 2 ** 53, 1e308])];
  if (typeof old === 'number') pool.push(old * 2, old + 1, -old, old / 2);
  if (typeof old === 'string') pool.push(old + old, old.slice(1), old.toUpperCase());
  return pool[r.int(pool.length)];
}

function jsonMutant(text: string, r: Random): { what: string; text: string } {
  const j = JSON.parse(text) as Json;
  const all = slots(j);
  const [parent, key, parentKey] = all[r.int(all.length)];
  const op = r.int(4);
  if (Array.isArray(parent)) {
    if (op === 0) { parent.splice(key as number, 1); return { what: `element ${key} dropped`, text: JSON.stringify(j) }; }
    if (op === 1) { parent.splice(key as number, 0, structuredClone(parent[key as number])); return { what: `element ${key} repeated`, text: JSON.stringify(j) }; }
    parent[key as number] = strangeValue(parent[key as number], r, key, parentKey);
    return { what: `element ${key} = ${JSON.stringify(parent[key as number]).slice(0, 40)}`, text: JSON.stringify(j) };
  }
  const obj = parent as { [k: string]: Json };
  if (op === 0) { delete obj[key]; return { what: `"${key}" deleted`, text: JSON.stringify(j) }; }
  obj[key] = strangeValue(obj[key], r, key, parentKey);
  return { what: `"${key}" = ${JSON.stringify(obj[key]).slice(0, 40)}`, text: JSON.stringify(j) };
}

test('loadModel({ json, weights }): 300 weights.bin mutants, 300 model.json byte mutants, 900 JSON mutants', async () => {
  const r = new Random(SEED);
  const fuzz = new Fuzz('loadModel (in memory)');
  await inTempDir('denoise-fuzz-model-', async (dir) => {
    const valid = await validModel(dir);
    const jsonBytes = new TextEncoder().encode(valid.json);
    for (let k = 0; k < 300; k++) {
      const m = mutate(valid.weights, r);
      await fuzz.case(`weights.bin case ${k}: ${m.what}`, () => loadModel({ json: valid.json, weights: m.bytes }, { threads: 1 }), holdsWeights(m.bytes), 'loadModel: ');
    }
    for (let k = 0; k < 300; k++) {
      const m = mutate(jsonBytes, r);
      const text = new TextDecoder().decode(m.bytes);
      await fuzz.case(`model.json bytes case ${k}: ${m.what}`, () => loadModel({ json: text, weights: valid.weights }, { threads: 1 }), holdsWeights(valid.weights), 'loadModel: ');
    }
    for (let k = 0; k < 900; k++) {
      const m = jsonMutant(valid.json, r);
      await fuzz.case(`model.json case ${k}: ${m.what}`, () => loadModel({ json: m.text, weights: valid.weights }, { threads: 1 }), holdsWeights(valid.weights), 'loadModel: ');
    }
  });
  fuzz.finish();
  expect(fuzz.ok).toBeGreaterThan(100);
  expect(fuzz.rejected).toBeGreaterThan(500);
});

test('loadModel(dir): 60 mutant model folders on disk', async () => {
  const r = new Random(SEED + 1);
  const fuzz = new Fuzz('loadModel (folders)');
  await inTempDir('denoise-fuzz-model-', async (dir) => {
    const valid = await validModel(dir);
    for (let k = 0; k < 60; k++) {
      const m = k % 2 ? jsonMutant(valid.json, r) : { what: 'weights.bin', text: valid.json };
      const weights = k % 2 ? valid.weights : mutate(valid.weights, r).bytes;
      const folder = join(dir, `case-${k}`);
      mkdirSync(folder);
      writeFileSync(join(folder, 'model.json'), m.text);
      writeFileSync(join(folder, 'weights.bin'), weights);
      await fuzz.case(`folder case ${k}: ${m.what}`, () => loadModel(folder, { threads: 1 }), holdsWeights(weights), `loadModel: ${folder}`);
    }
  });
  fuzz.finish();
  expect(fuzz.ok + fuzz.rejected).toBe(60);
});

// Found by this fuzzing: loadModel used to initialise weights for the sizes model.json declares before it
// compared them with the manifest (a 2.7 KB model.json declaring a conv2d of 4e7 filters took 43 s and 2.8 GB
// of RSS; 1e9 filters failed with "Invalid typed array length"). Models now make their initial weights only
// when first needed, after the manifest check.
test('absurd layer sizes in model.json are refused before anything is allocated', async () => {
  const fuzz = new Fuzz('loadModel (absurd sizes)');
  await inTempDir('denoise-fuzz-model-', async (dir) => {
    const valid = await validModel(dir);
    for (const filters of [1e9, 4e7, 2 ** 31]) {
      const j = JSON.parse(valid.json);
      const layerList = j.modelTopology.config.layers ?? j.modelTopology.config;
      layerList.find((l: { class_name: string }) => l.class_name === 'Conv2D').config.filters = filters;
      await fuzz.case(`filters ${filters}`, () => loadModel({ json: JSON.stringify(j), weights: valid.weights }, { threads: 1 }),
        () => { throw new Error('loaded'); }, 'loadModel: ');
    }
  });
  fuzz.finish();                                    // also requires RSS growth < 1 GiB and every case < 10 s
  expect(fuzz.rejected).toBe(3);
});

// A weightsManifest path may point outside the model's folder ("../../../etc/hostname"): refused, never read.
test('weights paths outside the model folder are refused', async () => {
  const fuzz = new Fuzz('loadModel (paths)');
  await inTempDir('denoise-fuzz-model-', async (dir) => {
    const valid = await validModel(dir);
    writeFileSync(join(dir, 'outside.bin'), valid.weights);
    for (const path of ['../outside.bin', '../../../etc/hostname', '/etc/hostname', 'sub/../../outside.bin']) {
      const j = JSON.parse(valid.json);
      j.weightsManifest[0].paths = [path];
      writeFileSync(join(dir, 'valid', 'model.json'), JSON.stringify(j));
      await fuzz.case(`path ${path}`, () => loadModel(join(dir, 'valid'), { threads: 1 }), () => { throw new Error(`${path} was read`); }, `loadModel: ${join(dir, 'valid')}`);
    }
  });
  fuzz.finish();
  expect(fuzz.rejected).toBe(4);
});
