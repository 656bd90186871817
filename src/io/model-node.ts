// Node-only model files: a directory holding model.json and weights.bin. Saving writes a temporary
// directory beside the target and swaps it in, so a failed save never leaves a half-written model
// where a good one was.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayersModel } from '../model/model.js';
import { MODEL_FILE, modelFromFiles, outsideModel, parseModelJson, WEIGHTS_FILE, weightPaths, type LoadModelOptions } from './model-format.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

/** Reads a model from a directory (its model.json) or from a model.json path, with the weights beside it. */
export async function loadModelFromPath(source: string | URL, options: LoadModelOptions = {}): Promise<LayersModel> {
  const path = typeof source === 'string' ? resolve(source) : fileURLToPath(source);
  const where = `loadModel: ${typeof source === 'string' ? source : path}`;
  let jsonPath = path;
  try {
    if ((await stat(path)).isDirectory()) jsonPath = join(path, MODEL_FILE);
  } catch (e) {
    throw new Error(errno(e) === 'ENOENT' ? `${where}: no such file or directory` : `${where}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new Error(errno(e) === 'ENOENT' ? `${where}: there is no ${MODEL_FILE} in this directory (not a saved model?)` : `${where}: cannot read ${jsonPath}: ${(e as Error).message}`);
  }
  const json = parseModelJson(text, where);
  const files = new Map<string, Uint8Array>();
  for (const p of weightPaths(json, where)) {
    if (files.has(p)) continue;
    const file = resolve(dirname(jsonPath), p);
    const inside = relative(dirname(jsonPath), file);
    if (inside.startsWith('..') || isAbsolute(inside)) throw outsideModel(p, `${where}: model.json`);   // weightPaths refused these already
    try {
      files.set(p, new Uint8Array(await readFile(file)));
    } catch (e) {
      throw new Error(errno(e) === 'ENOENT' ? `${where}: the weights file ${p} that model.json lists is missing` : `${where}: cannot read ${p}: ${(e as Error).message}`);
    }
  }
  return modelFromFiles(json, (p) => files.get(p)!, options, where);
}

/**
 * Writes `files` (name -> contents) as the directory `dir`, atomically as far as the file system allows:
 * everything goes to a temporary directory in the same parent first; only when it is complete is an
 * existing model moved aside, the new one renamed into place, and the old one deleted. A directory
 * holding anything other than model files is never replaced.
 */
export async function saveModelToDir(dir: string | URL, files: Record<string, string | Uint8Array>,
    fs: { rm: typeof rm } = { rm }): Promise<void> {
  const target = typeof dir === 'string' ? resolve(dir) : fileURLToPath(dir);
  const where = `save: ${typeof dir === 'string' ? dir : target}`;
  const parent = dirname(target);
  const base = basename(target);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new Error(`${where}: cannot create the parent directory ${parent}: ${(e as Error).message}`);
  }
  const existed = await checkReplaceable(target, Object.keys(files), where);
  // mkdir, not mkdtemp (always 0700): the saved directory gets the umask's permissions, like any mkdir.
  const tmp = join(parent, `.${base}.saving-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp);
  } catch (e) {
    throw new Error(`${where}: cannot create a temporary directory in ${parent}: ${(e as Error).message}`);
  }
  try {
    for (const [name, data] of Object.entries(files)) {
      const fh = await open(join(tmp, name), 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`${where}: writing the model failed (${(e as Error).message})${existed ? '; the model already there is unchanged' : ''}`);
  }
  if (!existed) {
    try {
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`${where}: could not move the new model into place: ${(e as Error).message}`);
    }
    return;
  }
  const old = join(parent, `.${base}.old-${randomBytes(6).toString('hex')}`);
  await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (e) {
    await rename(old, target);
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`${where}: could not move the new model into place (${(e as Error).message}); the model already there is unchanged`);
  }
  // The new model is in place: the save succeeded, whatever happens to the old copy.
  try {
    await fs.rm(old, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    emitWarning(`${where}: the model was saved, but its previous version could not be deleted (${(e as Error).message}); ` +
      `delete ${old} yourself`);
  }
}

function emitWarning(message: string): void {
  if (typeof process?.emitWarning === 'function') process.emitWarning(message, 'DenoiseWasmWarning');
  else console.warn(message);
}

/**
 * Throws what saveModelToDir would throw about `dir` itself before writing anything (model.save's files:
 * model.json, weights.bin): it exists and is not a directory, or it holds files other than a model's. For
 * checking a destination before the work whose result will be saved there.
 */
export async function checkModelDir(dir: string): Promise<void> {
  await checkReplaceable(resolve(dir), [MODEL_FILE, WEIGHTS_FILE], `save: ${dir}`);
}

/** Whether `target` exists (and may be replaced): it must be a directory of nothing but model files. */
async function checkReplaceable(target: string, names: string[], where: string): Promise<boolean> {
  let st;
  try {
    st = await lstat(target);
  } catch (e) {
    if (errno(e) === 'ENOENT') return false;
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) throw new Error(`${where}: exists and is not a directory; a model is saved as a directory (model.json + weights.bin)`);
  const entries = await readdir(target);
  let known = new Set(names);
  try {
    const json = parseModelJson(await readFile(join(target, MODEL_FILE), 'utf8'), where);
    known = new Set([...names, ...weightPaths(json, where)]);
  } catch { /* not a model directory (or a damaged one): only our own file names count */ }
  const others = entries.filter((f) => !known.has(f));
  if (others.length > 0) {
    throw new Error(`${where}: the directory holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}); ` +
      'save into a new or model-only directory so that nothing else is replaced');
  }
  return true;
}
