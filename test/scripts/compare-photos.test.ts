// scripts/compare-photos.mjs on one small crop at one sigma: the noise has the level it claims and every
// denoiser, classical (OpenCV, scikit-image through scripts/classical-denoisers.py) and ours, improves on it.
// Needs Debian's python3-opencv and python3-skimage (the photographs come with the latter).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImages } from '../../src/data/index.js';
import { ROOT } from '../cli/build-dist.mjs';

const PYTHON = '/usr/bin/python3';
const PHOTOS = '/usr/lib/python3/dist-packages/skimage/data';

/** Why the test cannot run here, or null. */
function missing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const check = spawnSync(PYTHON, [join(ROOT, 'scripts', 'classical-denoisers.py'), '--check'], { encoding: 'utf8' });
  if (check.status !== 0) return `${PYTHON} lacks cv2 or skimage (${(check.stderr || check.error?.message || '').trim()})`;
  if (!existsSync(join(PHOTOS, 'camera.png'))) return `${PHOTOS}/camera.png is absent`;
  return null;
}

const reason = missing();
if (reason) {
  // Straight to stderr: jest drops console output of a file whose tests are all skipped when it runs several files.
  process.stderr.write(`SKIPPED photo comparison test (test/scripts/compare-photos.test.ts): ${reason} (apt-get install python3-opencv python3-skimage to run it)\n`);
}

/** Standard normal density and distribution function (erf by Abramowitz & Stegun 7.1.26, error < 2e-7). */
const phi = (z: number) => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
function Phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2, t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * PSNR (dB) that clip(x + sigma·Z, 0, 255), rounded, has on average against x over the centre side x side
 * crop of camera: per pixel E[(clip(x + σZ) - x)²] = σ²(Φ(b) - Φ(a) - bφ(b) + aφ(a)) + x²Φ(a) + (255 - x)²(1 - Φ(b))
 * with a = -x/σ, b = (255 - x)/σ, plus 1/12 for the rounding.
 */
async function expectedNoisyPsnr(sigma: number, side: number): Promise<number> {
  const [p] = await loadImages([join(PHOTOS, 'camera.png')]);
  const y0 = (p.height - side) >> 1, x0 = (p.width - side) >> 1;
  let se = 0;
  for (let y = 0; y < side; y++) {
    for (let i = 0; i < side; i++) {
      const x = p.data[(y0 + y) * p.width + x0 + i], a = -x / sigma, b = (255 - x) / sigma;
      se += sigma ** 2 * (Phi(b) - Phi(a) - b * phi(b) + a * phi(a)) + x ** 2 * Phi(a) + (255 - x) ** 2 * (1 - Phi(b)) + 1 / 12;
    }
  }
  return 10 * Math.log10(255 ** 2 / (se / side ** 2));
}

interface Result { image: string; sigma: number; psnr: Record<string, number>; ssim: Record<string, number> }

(reason ? describe.skip : describe)('scripts/compare-photos.mjs', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'compare-photos-test-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('camera, centre 96x96, sigma 25: the noise has the PSNR it should have, every method does better in PSNR and SSIM', async () => {
    const args = ['scripts/compare-photos.mjs', '--python', PYTHON, '--images', 'camera.png', '--crop', '96', '--sigmas', '25', '--threads', '1',
      '--no-picture', '--out', join(dir, 'table.md'), '--json', join(dir, 'scores.json')];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: ROOT, timeout: 600_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
    });
    expect(r.stderr).not.toContain('tuning');   // the committed scripts/classical-params.json has sigma 25
    expect(r.code).toBe(0);
    const { results } = JSON.parse(readFileSync(join(dir, 'scores.json'), 'utf8')) as { results: Result[] };
    expect(results.map((x) => [x.image, x.sigma])).toEqual([['camera.png', 25]]);
    const { psnr, ssim } = results[0];
    // 20·log10(255/25) = 20.17 dB without clipping; clipping at 0 and 255 can only lower the error, and
    // this crop (mostly the dark coat) is clipped a lot: the PSNR the noise should have on it is worked out.
    const expected = await expectedNoisyPsnr(25, 96);
    expect(expected).toBeGreaterThan(20.17);
    expect(Math.abs(psnr.noisy - expected)).toBeLessThan(0.15);
    for (const m of ['median', 'gaussian', 'nlm', 'wavelet', 'tv', 'ours']) {
      expect([m, psnr[m] > psnr.noisy + 2, psnr[m]]).toEqual([m, true, psnr[m]]);
      expect([m, ssim[m] > ssim.noisy]).toEqual([m, true]);
    }
    const table = readFileSync(join(dir, 'table.md'), 'utf8');
    expect(table).toBe(r.stdout);
    expect(table).toContain(`| camera (96x96) | ${psnr.noisy.toFixed(2)} / ${ssim.noisy.toFixed(3)} |`);
  }, 660_000);   // about 10 s on an idle 2-core machine; minutes when it is shared
});

test("the README's mean table is the mean rows of docs/photo-comparison.md (paste it again after a new run)", () => {
  const cells = (row: string) => row.split('|').slice(2, -1).map((c) => c.replaceAll('**', '').trim());
  const doc = readFileSync(join(ROOT, 'docs', 'photo-comparison.md'), 'utf8');
  const fromDoc = [...doc.matchAll(/^\*\*sigma (\d+)\*\*[\s\S]*?^(\| \*\*mean\*\* .*)$/gm)].map((m) => [m[1], ...cells(m[2])]);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Quality against classical methods');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const fromReadme = [...section.matchAll(/^\| (\d+) (\|.*)$/gm)].map((m) => [m[1], ...cells(`| x ${m[2]}`)]).filter((r) => r.length === 8);
  expect(fromDoc.map((r) => r[0])).toEqual(['15', '25', '50']);
  expect(fromReadme).toEqual(fromDoc);
});
