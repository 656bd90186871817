// examples/own-pictures.mjs runs against the built package with tiny settings: it makes its folder of
// pictures, trains by patches read one picture at a time, and writes its picture at the first one's size.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/io/node.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';

let dir: string;
beforeAll(async () => { await ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'denoise-own-pictures-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('examples/own-pictures.mjs trains on a folder by patches and denoises a whole picture', async () => {
  const out = join(dir, 'own.png');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', 'own-pictures.mjs')], { cwd: ROOT, env: { ...process.env, EPOCHS: '1', OUT: out }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^3 pictures in /);
  expect(r.stdout).toMatch(/epoch 1\/1 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4}/);
  expect(r.stdout).toMatch(/PSNR on .*sheet-0\.png \(280x168\): noisy \d+\.\d{2} dB, denoised \d+\.\d{2} dB/);
  const png = decodePng(readFileSync(out));
  expect([png.width, png.height]).toEqual([280, 3 * 168 + 2 * 2]);
});
