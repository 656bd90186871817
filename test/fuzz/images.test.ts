// Fuzzing the picture readers: PNG (pngjs through decodePng) and JPEG (jpeg-js), as the CLI reads them
// (decodeImage in src/cli/commands/images.ts), plus a few mutants through the whole `denoise` command.
// Random mutations (fuzz.ts), and header fields rewritten with a valid checksum so that they reach the
// decoder: PNG IHDR width, height, bit depth, colour type and interlace (CRC recomputed), JPEG SOF sizes.
// A picture that loads must have the size it declares; one that does not must be refused with the CLI's
// "<file> is not a readable PNG/JPEG (...)" (or "is not a PNG or JPEG image").
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { Random } from '../../src/index.js';
import { decodeImage } from '../../src/cli/commands/images.js';
import { main } from '../../src/cli/main.js';
import { Fuzz, inTempDir, mutate, type Mutant } from './fuzz.js';

const SEED = 20261002;
const NAME = 'fuzz-picture';

/** Sizes a mutated header may declare here: at most 1024 x 1024 (4 MiB of RGBA). */
const MAX_SIDE = 1024;

function rgba(w: number, h: number, r: Random, grey = false): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = r.int(256);
    d.set(grey ? [v, v, v, 255] : [v, r.int(256), r.int(256), 255], i * 4);
  }
  return d;
}

function validPictures(r: Random): Array<{ name: string; bytes: Uint8Array; format: 'png' | 'jpeg' }> {
  const png = (w: number, h: number, colorType: 0 | 2 | 6) => {
    const p = new pngjs.PNG({ width: w, height: h, colorType, inputHasAlpha: true });
    p.data = Buffer.from(rgba(w, h, r, colorType === 0));
    return new Uint8Array(pngjs.PNG.sync.write(p, { colorType }));
  };
  const jpg = (w: number, h: number) => new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba(w, h, r) }, 90).data);
  return [
    { name: 'PNG RGBA 12x9', bytes: png(12, 9, 6), format: 'png' },
    { name: 'PNG grey 7x5', bytes: png(7, 5, 0), format: 'png' },
    { name: 'PNG RGB 16x3', bytes: png(16, 3, 2), format: 'png' },
    { name: 'JPEG 16x12', bytes: jpg(16, 12), format: 'jpeg' },
    { name: 'JPEG 17x9', bytes: jpg(17, 9), format: 'jpeg' },
  ];
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A size a mutated header declares: small, edge values, or up to MAX_SIDE. */
function side(r: Random): number {
  return [0, 1, 2, 3, MAX_SIDE, 1 + r.int(64), 1 + r.int(MAX_SIDE)][r.int(7)];
}

/** PNG IHDR (bytes 16-28 of the file: width, height, bit depth, colour type, ...) rewritten, CRC fixed. */
function ihdrMutant(valid: Uint8Array, r: Random, w = side(r), h = side(r)): Mutant {
  const b = Uint8Array.from(valid);
  const v = new DataView(b.buffer);
  const field = r.int(3);
  if (field === 0) { v.setUint32(16, w); v.setUint32(20, h); }
  else if (field === 1) b[24] = [0, 1, 2, 4, 8, 16, 3, 255][r.int(8)];            // bit depth
  else b[25 + r.int(3)] = r.int(8);                                              // colour type, compression, filter/interlace
  v.setUint32(29, crc32(b.subarray(12, 29)));
  const what = field === 0 ? `IHDR ${w}x${h}` : `IHDR byte ${field === 1 ? 24 : '25-27'} changed`;
  return { what, bytes: b };
}

/** JPEG SOF0 height and width rewritten. */
function sofMutant(valid: Uint8Array, r: Random, w = side(r), h = side(r)): Mutant {
  const b = Uint8Array.from(valid);
  const sof = b.findIndex((x, i) => x === 0xff && b[i + 1] === 0xc0);
  new DataView(b.buffer).setUint16(sof + 5, h);
  new DataView(b.buffer).setUint16(sof + 7, w);
  return { what: `SOF ${w}x${h}`, bytes: b };
}

// Every refusal names the file first, then what is wrong: "not a readable PNG (<decoder's reason>)", "the
// PNG is truncated (...)", "the image declares WxH = N pixels, more than the limit ...", "not a valid JPEG (...)".
const prefix = /^fuzz-picture: (not a (readable|valid) (PNG|JPEG) \(.{4,}\)|the (PNG|JPEG) (is truncated|header declares) .{10,}|the image declares .{10,}|not a PNG or JPEG .*)$/s;

function declaredSize(image: { width: number; height: number; data: ArrayLike<number> }): void {
  expect(Number.isInteger(image.width) && image.width > 0 && image.width <= MAX_SIDE).toBe(true);
  expect(Number.isInteger(image.height) && image.height > 0 && image.height <= MAX_SIDE).toBe(true);
  expect(image.data.length).toBe(image.width * image.height * 4);
}

test('decodeImage: 2,000 mutants of three PNGs and two JPEGs', async () => {
  const r = new Random(SEED);
  const fuzz = new Fuzz('decodeImage (PNG, JPEG)');
  for (const { name, bytes, format } of validPictures(r)) {
    for (let k = 0; k < 400; k++) {
      const m = k % 4 === 0 ? (format === 'png' ? ihdrMutant(bytes, r) : sofMutant(bytes, r)) : mutate(bytes, r);
      await fuzz.case(`${name}, case ${k}: ${m.what}`, () => decodeImage(m.bytes, NAME), declaredSize, prefix);
    }
  }
  fuzz.finish();
  expect(fuzz.ok).toBeGreaterThan(200);
  expect(fuzz.rejected).toBeGreaterThan(800);
});

test('denoise-wasm denoise: 24 mutant pictures through the whole command (exit 0 and a picture, or exit 1 and the reason)', async () => {
  const r = new Random(SEED + 1);
  const fuzz = new Fuzz('denoise command');
  await inTempDir('denoise-fuzz-img-', async (dir) => {
    const pictures = validPictures(r);
    for (let k = 0; k < 24; k++) {
      const { name, bytes, format } = pictures[k % pictures.length];
      // Small declared sizes only: the command denoises what it decodes.
      const m = k % 3 === 0 ? (format === 'png' ? ihdrMutant(bytes, r, 1 + r.int(40), 1 + r.int(40)) : sofMutant(bytes, r, 1 + r.int(40), 1 + r.int(40))) : mutate(bytes, r);
      const input = join(dir, `in-${k}.${format === 'png' ? 'png' : 'jpg'}`), output = join(dir, `out-${k}.png`);
      writeFileSync(input, m.bytes);
      let err = '';
      await fuzz.case(`${name}, case ${k}: ${m.what}`, async () => {
        const code = await main(['denoise', input, '-o', output, '--threads', '1'], { out: { write: () => true }, err: { write: (s: string) => { err += s; return true; } } });
        if (code !== 0) {
          expect(code).toBe(1);
          throw new Error(err.trim().split('\n').pop());
        }
        return output;
      }, (out) => {
        expect(existsSync(out)).toBe(true);
        declaredSize(decodeImage(readFileSync(out), 'output'));
      }, new RegExp(`^denoise-wasm( denoise)?: ${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${prefix.source.slice('^fuzz-picture: '.length)}`, 's'));
    }
  });
  fuzz.finish();
  expect(fuzz.ok + fuzz.rejected).toBe(24);
});

// A PNG or JPEG header may declare up to 2^32 - 1 x 2^32 - 1 (PNG) or 65535 x 65535 (JPEG) pixels, and
// decoding would allocate for the declared size before finding the data missing (a 99-byte PNG declaring
// 20000x20000 decoded 1.6 GB): the pixel limit refuses such headers before decoding.
test('absurd declared sizes are refused from the header', async () => {
  const r = new Random(SEED + 2);
  const fuzz = new Fuzz('absurd headers');
  const [png, , , jpg] = validPictures(r);
  for (const [w, h] of [[20000, 20000], [65535, 65535], [2 ** 31, 1], [1, 2 ** 31 - 1], [100000, 3]]) {
    const m = ihdrMutant(png.bytes, { int: () => 0 } as unknown as Random, w, h);
    await fuzz.case(`PNG ${m.what}`, () => decodeImage(m.bytes, NAME), declaredSize, prefix);
  }
  for (const [w, h] of [[20000, 20000], [65535, 65535], [14000, 14000]]) {
    const m = sofMutant(jpg.bytes, r, w, h);
    await fuzz.case(`JPEG ${m.what}`, () => decodeImage(m.bytes, NAME), declaredSize, prefix);
  }
  fuzz.finish();
  expect(fuzz.rejected).toBe(8);
});
