// Each script in examples/ runs against the built package (imports 'denoise-wasm' resolve to the package
// itself) with tiny settings, exits 0 and writes its picture.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/io/node.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'denoise-examples-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runExample(name: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', name)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

test.each([
  // [script, rows in the picture, what stdout shows]
  ['conv-denoiser.mjs', 3, /Total params: 4,385/],
  ['dense-autoencoder.mjs', 2, /Total params: 50,992/],
])('examples/%s runs and writes its picture', async (name, rows, summary) => {
  const out = join(dir, name.replace('.mjs', '.png'));
  const r = await runExample(name, { EPOCHS: '1', TRAIN_SIZE: '256', OUT: out });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(summary);
  expect(r.stdout).toMatch(/epoch 1\/1 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4}/);
  expect(r.stdout).toContain(`wrote ${out}`);
  const png = decodePng(readFileSync(out));
  // 10 digits per row at scale 2 (56x56 cells), 2-pixel gaps.
  expect([png.width, png.height]).toEqual([10 * 56 + 9 * 2, rows * 56 + (rows - 1) * 2]);
});
