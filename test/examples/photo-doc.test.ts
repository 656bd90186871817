// The README's "Denoising photographs" section: its Node program is examples/denoise-photo.mjs, word for
// word, and runs as written against the built package on a colour photograph-like picture made here.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng } from '../../src/io/node.js';
import { Random } from '../../src/index.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = README.indexOf('## Denoising photographs');
const DOC = README.slice(start, README.indexOf('\n## ', start + 3));
let dir: string;
beforeAll(async () => { await ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'denoise-photo-doc-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('"From code" is examples/denoise-photo.mjs, word for word', () => {
  const block = /### From code\n\n```js\n([\s\S]*?)```/.exec(DOC)![1];
  expect(block).toBe(readFileSync(join(ROOT, 'examples', 'denoise-photo.mjs'), 'utf8'));
  expect(DOC).toContain('### Quality against classical methods\n\n`scripts/compare-photos.mjs`');   // its table: test/scripts/compare-photos.test.ts
});

test('examples/denoise-photo.mjs runs as written on a photo given on its command line', async () => {
  const W = 90, H = 70, r = new Random(5);
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const disc = (x - 45) ** 2 + (y - 35) ** 2 < 400;
    data.set([60 + x + 4 * r.normal(), 80 + y + (disc ? 90 : 0), disc ? 40 : 160, 255], (y * W + x) * 4);
  }
  writeFileSync(join(dir, 'my-photo.png'), encodePng({ width: W, height: H, data }));
  const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', 'denoise-photo.mjs'), 'my-photo.png'], { cwd: dir, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/^100% done$/m);
  expect(res.stdout).toMatch(/^my-photo\.png: 90x70, 3 channel\(s\)$/m);
  const [, noisy, denoised] = /^PSNR: noisy (\d+\.\d\d) dB, denoised (\d+\.\d\d) dB$/m.exec(res.stdout)!.map(Number);
  expect(denoised).toBeGreaterThan(noisy + 3);
  expect(existsSync(join(dir, 'out', 'photo.png'))).toBe(true);
  const grid = decodePng(readFileSync(join(dir, 'out', 'photo.png')));
  expect([grid.width, grid.height]).toEqual([W, 3 * H + 4]);
}, 150_000);
