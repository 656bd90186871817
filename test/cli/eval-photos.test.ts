// denoise-wasm eval --photos DIR: noisy / median / blur / model per picture and mean, at each noise
// level, on a tiny folder made here; the same numbers on a second run; mistakes named.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { main } from '../../src/cli/main.js';
import { blurSigma } from '../../src/cli/commands/eval.js';
import { encodePng } from '../../src/io/png-node.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

/** RGBA of a W x H picture with shading, a disc and a textured band; grey when `grey`. */
function picture(W: number, H: number, grey: boolean): Uint8ClampedArray {
  const d = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const disc = (x - W / 2) ** 2 + (y - H / 2) ** 2 < (H / 3) ** 2;
    const v = [60 + (120 * x) / W + (y > H * 0.7 ? 25 * Math.sin(x / 2) : 0), 90 + (80 * y) / H, disc ? 200 : 70];
    d.set(grey ? [v[0], v[0], v[0], 255] : [v[0], v[1], v[2], 255], (y * W + x) * 4);
  }
  return d;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denoise-eval-photos-'));
  await mkdir(join(dir, 'photos'));
  await writeFile(join(dir, 'photos', 'b-grey.png'), encodePng({ width: 40, height: 32, data: picture(40, 32, true) }));
  await writeFile(join(dir, 'photos', 'a-colour.jpg'), jpeg.encode({ width: 48, height: 36, data: picture(48, 36, false) }, 95).data);
  await writeFile(join(dir, 'photos', 'notes.txt'), 'not a picture, not read');
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

test('a table per noise level: every picture by name, then the mean; the model beats the noisy input; runs repeat', async () => {
  const r = await cli('eval', '--photos', join(dir, 'photos'), '--sigmas', '25,50', '--threads', '1');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const lines = r.out.split('\n');
  expect(lines[0]).toMatch(/^the photo denoiser on 2 picture\(s\) in .*photos \(1 colour, 1 grey\); Gaussian noise of standard deviation 25, 50 \(0-255 scale, clipped\), seed 12345\.$/);
  const cell = String.raw`(\d+\.\d\d) / (-?\d\.\d{3})`;
  for (const [sigma, blur] of [[25, '1'], [50, '1.4']]) {
    const at = lines.indexOf(lines.find((l) => l.startsWith(`sigma ${sigma} `))!);
    expect(lines[at]).toMatch(new RegExp(`^sigma ${sigma} +noisy +median 3x3 +gaussian ${blur.replace('.', '\\.')} +photo denoiser$`));
    const row = (name: string, line: string) => {
      const m = new RegExp(`^${name} +${cell} +${cell} +${cell} +${cell}$`).exec(line);
      expect(m).not.toBeNull();
      return m!.slice(1).map(Number);
    };
    const a = row('a-colour\\.jpg', lines[at + 2]), b = row('b-grey\\.png', lines[at + 3]), mean = row('mean', lines[at + 4]);
    for (let k = 0; k < 8; k++) expect(Math.abs(mean[k] - (a[k] + b[k]) / 2)).toBeLessThanOrEqual(0.006);
    // PSNR of the model's output against the noisy input's, both pictures (columns 6 and 0).
    for (const p of [a, b]) expect(p[6]).toBeGreaterThan(p[0] + 3);
  }
  expect((await cli('eval', '--photos', join(dir, 'photos'), '--sigmas', '25,50', '--threads', '1')).out).toBe(r.out);
});

test('mistakes: an empty folder, a file that is not a picture, a tiny picture, bad flags', async () => {
  await mkdir(join(dir, 'empty'));
  await mkdir(join(dir, 'broken'));
  await writeFile(join(dir, 'broken', 'bad.png'), 'this is text');
  await mkdir(join(dir, 'tiny'));
  await writeFile(join(dir, 'tiny', 'dot.png'), encodePng({ width: 5, height: 6, data: picture(5, 6, true) }));
  const cases: Array<[string[], number, RegExp]> = [
    [['--photos', join(dir, 'empty')], 1, /^denoise-wasm eval: .*empty: the directory holds no \.png, \.jpg or \.jpeg files$/],
    [['--photos', join(dir, 'missing')], 1, /^denoise-wasm eval: .*missing: no such file or directory$/],
    [['--photos', join(dir, 'broken')], 1, /^denoise-wasm eval: .*bad\.png: not a PNG or JPEG image/],
    [['--photos', join(dir, 'tiny')], 1, /dot\.png is 5x6; SSIM needs pictures of at least 7x7 pixels \(take it out of .*tiny\)$/],
    [['--photos', join(dir, 'photos'), '--sigmas', '15,,50'], 2, /^denoise-wasm eval: --sigmas must be noise levels > 0 and ≤ 255 \(0-255 scale\) separated by commas, e\.g\. 15,25,50; got "15,,50"$/],
    [['--photos', join(dir, 'photos'), '--sigmas', '0'], 2, /--sigmas must be noise levels > 0/],
    [['--photos', join(dir, 'photos'), '--noise', '0.1'], 2, /--noise is for digits; with --photos the pictures are the folder's and the noise is --sigmas/],
    [['--sigmas', '25'], 2, /--sigmas is for photographs: give --photos DIR too/],
  ];
  for (const [argv, code, message] of cases) {
    const r = await cli('eval', ...argv);
    expect({ argv, code: r.code }).toEqual({ argv, code });
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.out).toBe('');
  }
});

test('the blur follows the measured table: linear between its points, the nearest outside', () => {
  expect([5, 10, 15, 20, 25, 30, 50, 80].map((s) => +blurSigma(s).toFixed(3))).toEqual([0.6, 0.6, 0.7, 0.85, 1, 1.1, 1.4, 1.4]);
});
