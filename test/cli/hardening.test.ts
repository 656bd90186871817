// The commands on inputs that used to slip through (issue 10): each case names the problem and exits
// non-zero before any work, or works. The compiled CLIs run as child processes.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { main } from '../../src/cli/main.js';
import { encodePng } from '../../src/io/png-node.js';
import { planTiles } from '../../src/denoise-image.js';
import { presets } from '../../src/index.js';
import { readFileSync } from 'node:fs';
import { ensureBuilt, ROOT } from './build-dist.mjs';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-hardening-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** A W x H picture: light strokes (a bright cross) on a dark background, as RGBA. */
function strokes(W: number, H: number): Uint8ClampedArray {
  const d = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = Math.abs(x - W / 2) < 2 || Math.abs(y - H / 2) < 2 ? 230 : 10;
    d.set([v, v, v, 255], (y * W + x) * 4);
  }
  return d;
}

function setU32(b: Uint8Array, at: number, v: number) { new DataView(b.buffer, b.byteOffset).setUint32(at, v); }
function setU16(b: Uint8Array, at: number, v: number) { new DataView(b.buffer, b.byteOffset).setUint16(at, v); }

interface Run { code: number; stdout: string; stderr: string }

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const TUTORIAL = join(ROOT, 'dist', 'cli', 'tutorial.js');

beforeAll(async () => { await ensureBuilt(); });

describe('npm start', () => {
  test('adam at learning rate 1e6 stops with the epoch and batch and exit code 1, printing no NaN scores', async () => {
    const r = await node([TUTORIAL, '--optimizer', 'adam', '--learning-rate', '1e6', '--epochs', '2',
      '--train-size', '256', '--test-size', '64', '--threads', '1', '--out', join(ROOT, 'out', 'never-written.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/denoise-wasm: fit: (a weight|the loss) became (NaN|-?Infinity) at epoch [12], batch \d+ of 2/);
    expect(r.stdout).not.toMatch(/NaN/);
  });
});

describe('denoise: image headers are checked before decoding', () => {
  let png: Uint8Array, jpg: Uint8Array;
  beforeAll(() => {
    png = Uint8Array.from(encodePng({ width: 64, height: 64, data: strokes(64, 64) }));
    jpg = Uint8Array.from(jpeg.encode({ width: 64, height: 64, data: Buffer.from(strokes(64, 64)) }, 90).data);
  });

  test('a PNG declaring 20000x20000 is refused at once, naming the limit and the flag', async () => {
    const bomb = png.slice(); setU32(bomb, 16, 20000); setU32(bomb, 20, 20000);
    await writeFile(join(dir, 'bomb.png'), bomb);
    const t0 = performance.now();
    const r = await cli('denoise', join(dir, 'bomb.png'), '-o', join(dir, 'out.png'));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^denoise-wasm denoise: .*bomb\.png: the image declares 20000x20000 = 400,000,000 pixels, more than the limit of 50,000,000; raise it with maxPixels \(denoise-wasm: --max-pixels\)/);
  });

  test('a JPEG declaring 20000x20000 likewise', async () => {
    const bomb = jpg.slice();
    const sof = bomb.findIndex((v, i) => v === 0xff && bomb[i + 1] === 0xc0);
    setU16(bomb, sof + 5, 20000); setU16(bomb, sof + 7, 20000);
    await writeFile(join(dir, 'bomb.jpg'), bomb);
    const r = await cli('denoise', join(dir, 'bomb.jpg'), '-o', join(dir, 'out.png'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bomb\.jpg: the image declares 20000x20000 = 400,000,000 pixels/);
  });

  test('truncated PNG and JPEG files say so, with the prefix once', async () => {
    await writeFile(join(dir, 'cut.png'), png.subarray(0, png.length - 30));
    await writeFile(join(dir, 'cut.jpg'), jpg.subarray(0, jpg.length - 50));
    for (const [name, kind] of [['cut.png', 'PNG'], ['cut.jpg', 'JPEG']]) {
      const r = await cli('denoise', join(dir, name), '-o', join(dir, 'out.png'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^denoise-wasm denoise: [^:]*${name.replace('.', '\\.')}: the ${kind} is truncated \\(.*\\); the file is incomplete\n$`));
      expect(r.err.match(/truncated|readable/g)).toHaveLength(1);
    }
  });

  test('--max-pixels lowers or raises the limit', async () => {
    await writeFile(join(dir, 'small.png'), png);
    const low = await cli('denoise', join(dir, 'small.png'), '-o', join(dir, 'out.png'), '--max-pixels', '4000', '--threads', '1');
    expect(low.code).toBe(1);
    expect(low.err).toMatch(/64x64 = 4,096 pixels, more than the limit of 4,000/);
    const ok = await cli('denoise', join(dir, 'small.png'), '-o', join(dir, 'out.png'), '--max-pixels', '4096', '--threads', '1');
    expect(ok.err).not.toMatch(/limit/);
    expect(ok.code).toBe(0);
    expect((await cli('denoise', '--help')).out).toMatch(/--max-pixels N\s+largest image accepted, width x height \(default 50,000,000\)/);
  });
});

describe('denoise-wasm bench from an installed package', () => {
  // The package as npm installs it: its files, and node_modules with every dependency but the
  // devDependencies the bench used to need (TF.js, assemblyscript), outside this clone.
  test('runs without TF.js and assemblyscript, saying what it skipped and why', async () => {
    const root = await mkdtemp(join(tmpdir(), 'denoise-installed-'));
    try {
      const pkg = join(root, 'node_modules', 'denoise-wasm');
      await mkdir(pkg, { recursive: true });
      for (const f of ['package.json', 'dist', 'build', 'workers', 'pretrained']) await cp(join(ROOT, f), join(pkg, f), { recursive: true });
      await cp(join(ROOT, 'bench'), join(pkg, 'bench'), { recursive: true, filter: (src) => !/[\\/]bench[\\/](build|results)\b/.test(src) });
      for (const d of await readdir(join(ROOT, 'node_modules'))) {
        if (d === '@tensorflow' || d === 'assemblyscript' || d === '.bin') continue;
        await symlink(join(ROOT, 'node_modules', d), join(root, 'node_modules', d));
      }
      const r = await new Promise<Run>((resolve) => {
        execFile(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), 'bench', '--quick', '--only', 'size,startup,peak'],
          { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => resolve({ code: error ? (error.code as number) ?? -1 : 0, stdout, stderr }));
      });
      expect(r.stderr).not.toMatch(/Cannot find module|changed after the last build/);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/@tensorflow\/tfjs not installed/);
      expect(r.stdout).toMatch(/skipped: TF\.js rows \(the peers\): @tensorflow\/tfjs and @tensorflow\/tfjs-backend-wasm are not installed/);
      expect(r.stdout).toMatch(/skipped: the machine-limit section and "% of peak": it compiles with assemblyscript, which is not installed/);
      expect(r.stdout).toMatch(/denoise-wasm SIMD\s+[\d.]+/);
      expect(r.stdout).toMatch(/build\/denoise\.simd\.wasm/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('what the CLI says about itself', () => {
  test('--version prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(await cli('--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  test('the tile size and context in --help and the README are the ones the code uses (304x304, 24 pixels, for both shipped models)', async () => {
    for (const model of [presets.photoDenoiser({ threads: 1 }), presets.pretrained({ threads: 1 })]) {
      const plan = planTiles(model, 600, 512);
      expect([plan.tileW, plan.tileH, plan.marginW, plan.marginH, plan.coreW, plan.coreH]).toEqual([304, 248, 24, 24, 256, 200]);
      if (plan.model !== model) plan.model.dispose();
      model.dispose();
    }
    const help = (await cli('denoise', '--help')).out;
    expect(help).toMatch(/24 pixels of context on each side/);
    expect(help).toMatch(/tiles of up to\s+304x304 \(a centre of up to 256x256/);
    expect(help).toMatch(/digits: the MNIST digit denoiser[\s\S]*for light strokes on a dark background/);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/24 pixels of context/);
    expect(readme).toMatch(/tiles of up to 304x304/);
  });
});

describe('denoise --model digits warns on pictures the digit model is not for', () => {
  async function denoiseRgba(name: string, data: Uint8ClampedArray, W: number, H: number, ...flags: string[]) {
    await writeFile(join(dir, name), encodePng({ width: W, height: H, data }));
    return cli('denoise', join(dir, name), '-o', join(dir, `out-${name}`), '--threads', '1', ...flags);
  }
  const W = 60, H = 40;
  const photo = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) photo.set([120 + x * 2, 100 + y * 3, 90 + x, 255], (y * W + x) * 4);

  test('a light picture (a photo-like gradient, dark strokes on white) gets a warning on stderr with --model digits, and still a result', async () => {
    const inverted = strokes(W, H).map((v, i) => (i % 4 === 3 ? v : 255 - v));
    for (const [name, data] of [['photo.png', photo], ['page.png', inverted]] as const) {
      const r = await denoiseRgba(name, data, W, H, '--model', 'digits');
      expect(r.code).toBe(0);
      expect(r.err).toMatch(new RegExp(`warning: .*${name.replace('.', '\\.')} does not look like light strokes on a dark background \\(median brightness 0\\.\\d\\d, above 0\\.3\\); the digit denoiser \\(--model digits\\) .*: leave --model out for the photo denoiser`));
    }
  });

  test('light strokes on a dark background, even noisy, get no warning; nor does a photo with the photo denoiser (the default)', async () => {
    const noisy = strokes(W, H);
    let s = 1;
    for (let i = 0; i < noisy.length; i++) if (i % 4 !== 3) { s = (s * 1103515245 + 12345) >>> 0; noisy[i] = noisy[i] + ((s >>> 16) % 200) - 60; }
    const r = await denoiseRgba('strokes.png', noisy, W, H, '--model', 'digits');
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/warning/);
    const p = await denoiseRgba('photo.png', photo, W, H);
    expect(p.code).toBe(0);
    expect(p.err).not.toMatch(/warning/);
    expect(p.err).toMatch(/with the photo denoiser/);
  });
});
