// `npm start` end to end: the compiled CLI (dist/cli/tutorial.js) as a child process, with tiny settings.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { decodePng } from '../../src/io/node.js';
import { saveIdx } from '../../src/data/node.js';
import { ensureBuilt, ROOT } from './build-dist.mjs';

const CLI = join(ROOT, 'dist', 'cli', 'tutorial.js');

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The row of the results table that starts with `label`: its PSNR and SSIM. */
function row(stdout: string, label: string): { psnr: number; ssim: number } | undefined {
  const m = new RegExp(`^${label}.*?\\s(-?\\d+\\.\\d+)\\s+(-?\\d\\.\\d{3})$`, 'm').exec(stdout);
  return m ? { psnr: Number(m[1]), ssim: Number(m[2]) } : undefined;
}

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'denoise-cli-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start (dist/cli/tutorial.js)', () => {
  test('trains on the embedded digits, prints the table and writes a 3 x 10 picture', async () => {
    const out = join(dir, 'sub', 'd.png');
    const r = await run(['--epochs', '1', '--train-size', '256', '--test-size', '64', '--out', out]);
    expect(r.stderr).not.toMatch(/denoise-wasm:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Model: presets\.kerasTutorial\(\), 4,385 parameters, adadelta, /m);
    expect(r.stdout).toContain('Data: 256 embedded MNIST digits, Gaussian noise 0.4, 64 held out.');
    expect(r.stdout).toMatch(/^64 held-out digits\s+PSNR \(dB\)\s+SSIM$/m);
    const noisy = row(r.stdout, 'noisy input');
    const median = row(r.stdout, 'median filter 3x3');
    const gaussian = row(r.stdout, 'gaussian filter 3x3');
    const model = row(r.stdout, 'model \\(1 epoch\\)');
    for (const scores of [noisy, median, gaussian, model]) {
      expect(scores).toBeDefined();
      expect(Number.isFinite(scores!.psnr)).toBe(true);
      expect(scores!.ssim).toBeGreaterThanOrEqual(-1);
      expect(scores!.ssim).toBeLessThanOrEqual(1);
    }
    // Noise 0.4 on digits: about 11 dB; a median filter helps.
    expect(noisy!.psnr).toBeGreaterThan(9);
    expect(noisy!.psnr).toBeLessThan(13);
    expect(median!.psnr).toBeGreaterThan(noisy!.psnr);
    // Not a terminal: one progress line per epoch on stderr, nothing redrawn.
    expect(r.stderr).toMatch(/^epoch 1\/1 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4} {2}[\d,]+ samples\/s/m);
    expect(r.stderr).not.toContain('\r');
    expect(r.stdout).toContain(`Wrote ${out}: 10 held-out digits, rows noisy / denoised / clean.`);
    const png = decodePng(readFileSync(out));
    // 3 rows x 10 columns of 28x28 digits, 2-pixel gaps between cells.
    expect([png.width, png.height]).toEqual([10 * 28 + 9 * 2, 3 * 28 + 2 * 2]);
  });

  /** A --data-dir of `train` training and `test` held-out images (the four IDX files, some gzipped). */
  async function idxDir(name: string, train: number, test: number): Promise<string> {
    const data = join(dir, name);
    const images = (n: number) => Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 37) % 256);
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
    await saveIdx(join(data, 'train-images-idx3-ubyte.gz'), images(train), [train, 28, 28]);
    await saveIdx(join(data, 'train-labels-idx1-ubyte'), labels(train), [train]);
    await saveIdx(join(data, 't10k-images-idx3-ubyte'), images(test), [test, 28, 28]);
    await saveIdx(join(data, 't10k-labels-idx1-ubyte.gz'), labels(test), [test]);
    return data;
  }

  test('--data-dir reads IDX files; --fresh-noise, --optimizer and a short held-out set work', async () => {
    const data = await idxDir('idx', 40, 8);
    const out = join(dir, 'idx.png');
    const r = await run(['--data-dir', data, '--epochs', '2', '--batch-size', '16', '--fresh-noise', '--optimizer', 'adam',
      '--learning-rate', '0.01', '--noise', '0.2', '--seed', '3', '--threads', '1', '--out', out]);
    expect(r.stderr).not.toMatch(/denoise-wasm:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Data: 40 images from ${data}, Gaussian noise 0.2 (fresh every epoch), 8 held out.`);
    expect(r.stdout).toMatch(/, adam, (simd|scalar) wasm on 1 thread\.$/m);
    expect(row(r.stdout, 'model \\(2 epochs\\)')).toBeDefined();
    expect(r.stderr.match(/^epoch \d\/2 /gm)).toHaveLength(2);
    // Only 8 held-out images: 8 columns.
    const png = decodePng(readFileSync(out));
    expect([png.width, png.height]).toEqual([8 * 28 + 7 * 2, 3 * 28 + 2 * 2]);
  });

  test('--out NAME.jpg writes a JPEG (the format the extension names)', async () => {
    const out = join(dir, 'd.jpg');
    const r = await run(['--epochs', '1', '--train-size', '32', '--test-size', '8', '--threads', '1', '--out', out]);
    expect(r.code).toBe(0);
    const bytes = readFileSync(out);
    expect(Array.from(bytes.subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const back = jpeg.decode(bytes, { useTArray: true });
    expect([back.width, back.height]).toEqual([8 * 28 + 7 * 2, 3 * 28 + 2 * 2]);
  });

  test('--data-dir: a --train-size or --test-size larger than its files hold is a mistake (exit 2), before any training', async () => {
    const data = await idxDir('idx-small', 50, 6);
    for (const [args, message] of [
      [['--train-size', '5000'], `denoise-wasm: --train-size 5000 is more than the 50 images in the train file of ${data} (lower it to 50 or less)`],
      [['--test-size', '7'], `denoise-wasm: --test-size 7 is more than the 6 images in the t10k file of ${data} (lower it to 6 or less)`],
    ]) {
      const r = await run(['--data-dir', data, ...args, '--threads', '1', '--out', join(dir, 'never.png')]);
      expect([r.code, r.stderr.trim(), r.stdout]).toEqual([2, message, '']);
    }
  });

  test('--help lists every flag and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--epochs', '--batch-size', '--noise', '--train-size', '--test-size', '--data-dir', '--fresh-noise',
      '--optimizer', '--learning-rate', '--seed', '--threads', '--out', '--help']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stderr).toBe('');
  });

  test.each([
    [['--epochs', 'x'], 'denoise-wasm: --epochs must be a positive integer, got "x"'],
    [['--bogus'], 'denoise-wasm: unknown flag --bogus (run with --help to list the flags)'],
    // Where the picture goes is checked before the training (nothing on stdout: no "Model:" line).
    [['--out', tmpdir()], `denoise-wasm: --out ${tmpdir()} is a directory; give a file name in it, e.g. ${join(tmpdir(), 'out.png')}`],
    ...(existsSync('/proc/self') ? [[['--out', '/proc/x.png'], 'denoise-wasm: --out /proc/x.png: cannot create files in /proc (']] as Array<[string[], string]> : []),
    [['--out', 'out/x.bmp', '--epochs', '1'], 'denoise-wasm: cannot tell the format of out/x.bmp: the output name must end in .png, .jpg or .jpeg'],
    [['--threads', '99'], 'denoise-wasm: --threads must be \'auto\' or an integer from 1 to 16, got "99" (a batch is cut'],
    [['--train-size', '9500'], 'denoise-wasm: --train-size 9500 plus --test-size 1000 is more than the 10,000 embedded digits (lower them, or use --data-dir)'],
    [['--data-dir', '/no/such/dir'], 'denoise-wasm: --data-dir: loadMnist: /no/such/dir: no such directory'],
  ])('%j exits 2 with one line on stderr', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(message)).toBe(true);
  });
});
