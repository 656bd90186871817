// Saving: the directory gets the umask's permissions (like mkdir), and once the new model is in place a
// failure to delete the old one is a warning, not a failed save.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModelToDir } from '../../src/io/model-node.js';
import { Sequential, layers, loadModel } from '../../src/index.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-save-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const small = (seed: number) => new Sequential({ inputShape: [3], seed, threads: 1 }, [layers.dense({ units: 2 })]);

test.each(['022', '002', '077'])('with umask %s the saved directory has mode 0777 & ~umask', async (octal) => {
  const mask = parseInt(octal, 8);
  const before = process.umask(mask);
  try {
    const target = join(dir, `umask-${mask.toString(8)}`);
    await small(1).save(target);
    expect((await stat(target)).mode & 0o777).toBe(0o777 & ~mask);
  } finally {
    process.umask(before);
  }
});

test('replacing a model leaves no temporary or old directory behind', async () => {
  const target = join(dir, 'again');
  await small(1).save(target);
  await small(2).save(target);
  expect((await readdir(dir)).filter((f) => f.startsWith('.again'))).toEqual([]);
});

test('when the old model cannot be deleted, the save still resolves and warns, naming what to delete', async () => {
  const target = join(dir, 'stuck');
  await small(1).save(target);
  const warnings: string[] = [];
  const emitWarning = process.emitWarning;
  process.emitWarning = ((w: string | Error) => { warnings.push(String(w)); }) as typeof process.emitWarning;
  try {
    const failingRm = async () => { throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' }); };
    const files = { 'model.json': await readFile(join(target, 'model.json'), 'utf8'), 'weights.bin': new Uint8Array(await readFile(join(target, 'weights.bin'))) };
    await expect(saveModelToDir(target, files, { rm: failingRm as never })).resolves.toBeUndefined();
  } finally {
    process.emitWarning = emitWarning;
  }
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/stuck: the model was saved, but its previous version could not be deleted \(EBUSY: resource busy or locked\); delete .*\.stuck\.old-[0-9a-f]+ yourself/);
  expect((await loadModel(target, { threads: 1 })).countParams()).toBe(8);
});
