// The README's code is true: "A first example" is examples/first-example.mjs, which runs as written
// against the built package; the History it documents is Keras's (history.history.loss).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from '../cli/build-dist.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

beforeAll(async () => { await ensureBuilt(); });

test('"A first example" is examples/first-example.mjs, word for word', () => {
  const section = README.slice(README.indexOf('## A first example'));
  const block = /```(?:js|ts)\n([\s\S]*?)```/.exec(section)![1];
  expect(block).toBe(readFileSync(join(ROOT, 'examples', 'first-example.mjs'), 'utf8'));
});

test('examples/first-example.mjs runs as written', async () => {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', 'first-example.mjs')], { cwd: ROOT, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Total params: 4,385');
  expect(r.stdout).toMatch(/^2 0\.\d+ 0\.\d+$/m);                  // onEpochEnd of the third epoch
  expect(r.stdout).toMatch(/^\[ 0\.\d+, 0\.\d+, 0\.\d+ \]$/m);      // history.history.loss
  expect(r.stdout).toContain('[ 200, 28, 28, 1 ]');
}, 120_000);

test('the README documents History as Keras has it', () => {
  expect(README).not.toMatch(/(?<!history\.)history\.(loss|val_loss)\[/);
  expect(README).toContain('history.history.loss[e]');
});
