// The README's code is true: "A first example" is examples/first-example.mjs, which runs as written
// against the built package; the History it documents is Keras's (history.history.loss).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/io/node.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';
import { runInPackage, runNode } from './run-node.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

beforeAll(async () => { await ensureBuilt(); });

test('"A first example" is examples/first-example.mjs, word for word', () => {
  const section = README.slice(README.indexOf('## A first example'));
  const block = /```(?:js|ts)\n([\s\S]*?)```/.exec(section)![1];
  expect(block).toBe(readFileSync(join(ROOT, 'examples', 'first-example.mjs'), 'utf8'));
});

test('examples/first-example.mjs runs as written', async () => {
  const r = await runNode([join(ROOT, 'examples', 'first-example.mjs')], { cwd: ROOT, timeout: 90_000 });
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

// "See inside the network": its program runs as written against the built package and prints what the
// README says it prints.
test('"See inside the network" runs as written and prints what the README says', async () => {
  const section = README.slice(README.indexOf('## See inside the network'), README.indexOf('\n## ', README.indexOf('## See inside the network') + 3));
  const block = /```js\n([\s\S]*?)```/.exec(section)![1];
  const dir = mkdtempSync(join(tmpdir(), 'denoise-inside-'));
  try {
    const r = await runInPackage(block, 'inside-the-network', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('[ 10, 4, 4, 8 ]');
    expect(lines).toHaveLength(15);
    expect(lines[1]).toBe('input_1 InputLayer 1x28x28x1');
    expect(lines[2]).toBe('conv2d Conv2D 1x28x28x16');
    expect(lines[14]).toBe('conv2d_6 Conv2D 1x28x28x1');
    for (const said of ['`[ 10, 4, 4, 8 ]`', '`input_1 InputLayer 1x28x28x1`', '`conv2d Conv2D 1x28x28x16`', '`conv2d_6 Conv2D 1x28x28x1`']) expect(section).toContain(said);
    const png = decodePng(readFileSync(join(dir, 'feature-maps.png')));
    expect(png.width).toBeGreaterThanOrEqual(8 * 28 + 7 * 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);
