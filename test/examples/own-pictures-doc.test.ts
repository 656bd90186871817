// The README's "Train on your own pictures" section: its Node program runs as written against the built
// package (tiny settings: epochs and batches per epoch cut down) on a folder of pictures of two sizes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../../src/io/node.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';
import { runInPackage } from './run-node.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
// The README's "Train on your own pictures" section, up to the next ## heading.
const DOC = README.slice(README.indexOf('## Train on your own pictures'), README.indexOf('\n## ', README.indexOf('## Train on your own pictures') + 3));
let dir: string;
beforeAll(async () => { await ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'denoise-own-doc-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the Node example of "Train on your own pictures" runs', async () => {
  const block = /### Node\n\n```js\n([\s\S]*?)```/.exec(DOC)![1];
  const tiny = block.replace('epochs: 10,', 'epochs: 1,').replace('batchesPerEpoch: 100,', 'batchesPerEpoch: 3,');
  expect(tiny).not.toBe(block);
  mkdirSync(join(dir, 'my-scans'));
  for (const [name, w, h] of [['a.png', 90, 60], ['b.png', 40, 70]] as const) {
    const data = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : ((i >> 2) % w) * 3));
    writeFileSync(join(dir, 'my-scans', name), encodePng({ width: w, height: h, data }));
  }
  const r = await runInPackage(tiny, 'own-pictures-doc', dir);   // inside the package: 'denoise-wasm/node' resolves to it
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^epoch 1: loss 0\.\d{4}, val_loss 0\.\d{4}$/m);
  expect(r.stdout).toMatch(/^PSNR: noisy \d+\.\d{2} dB, denoised \d+\.\d{2} dB$/m);
  expect(existsSync(join(dir, 'out', 'denoised.png'))).toBe(true);
  expect(existsSync(join(dir, 'my-denoiser', 'model.json'))).toBe(true);
});
