// Image headers are checked before decoding: declared sizes against a pixel limit, and the file for
// completeness, for PNG and JPEG, in the library (decodePng, readImageHeader) and the CLI.
import jpeg from 'jpeg-js';
import { decodePng, encodePng } from '../../src/io/png-node.js';
import { readImageHeader, DEFAULT_MAX_PIXELS } from '../../src/io/image-header.js';

function png(width: number, height: number): Uint8Array {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 255;
  return encodePng({ width, height, data });
}

function jpg(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 255;
  return new Uint8Array(jpeg.encode({ width, height, data }, 90).data);
}

/** The bytes with the PNG's IHDR width and height replaced (the CRC is not fixed: the check comes first). */
function pngDeclaring(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const b = Uint8Array.from(bytes);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

function jpgDeclaring(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const b = Uint8Array.from(bytes);
  for (let i = 2; i < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] === 0xc0) {
      new DataView(b.buffer).setUint16(i + 5, height);
      new DataView(b.buffer).setUint16(i + 7, width);
      return b;
    }
  }
  throw new Error('no SOF0');
}

describe('PNG', () => {
  test('a small file declaring 20000x20000 is refused before decoding, naming the limit and how to raise it', () => {
    const bomb = pngDeclaring(png(8, 8), 20000, 20000);
    const t0 = performance.now();
    expect(() => decodePng(bomb)).toThrow(
      'decodePng: the image declares 20000x20000 = 400,000,000 pixels, more than the limit of 50,000,000; raise it with maxPixels (denoise-wasm: --max-pixels) if the image is genuine');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(DEFAULT_MAX_PIXELS).toBe(50_000_000);
  });

  test('maxPixels lowers or raises the limit', () => {
    const b = png(64, 64);
    expect(() => decodePng(b, { maxPixels: 4095 })).toThrow(/64x64 = 4,096 pixels, more than the limit of 4,095/);
    expect(decodePng(b, { maxPixels: 4096 }).width).toBe(64);
    expect(() => decodePng(b, { maxPixels: 0 })).toThrow(/maxPixels must be a positive integer, got 0/);
  });

  test('every truncation is reported as such, with the name once', () => {
    const b = png(32, 20);
    for (let cut = 8; cut < b.length; cut += 7) {
      let message = '';
      try { decodePng(b.subarray(0, cut), { name: 'a.png' }); } catch (e) { message = (e as Error).message; }
      expect(message).toMatch(/^a\.png: the PNG is truncated \(.*, at byte \d+\); the file is incomplete$/);
    }
    expect(decodePng(b).height).toBe(20);
  });

  test('not bytes', () => {
    expect(() => decodePng('x.png' as never)).toThrow('decodePng: give the PNG file\'s bytes as a Uint8Array, got "x.png"');
  });
});

describe('JPEG', () => {
  test('reads the declared size; refuses 20000x20000 and truncated files', () => {
    const b = jpg(40, 24);
    expect(readImageHeader(b, 'a.jpg')).toEqual({ format: 'jpeg', width: 40, height: 24 });
    expect(() => readImageHeader(jpgDeclaring(b, 20000, 20000), 'a.jpg')).toThrow(/a\.jpg: the image declares 20000x20000 = 400,000,000 pixels/);
    for (const cut of [3, 20, 200, b.length - 100, b.length - 2]) {
      expect(() => readImageHeader(b.subarray(0, cut), 'a.jpg')).toThrow(/^a\.jpg: the JPEG is truncated \(.*\); the file is incomplete$/);
    }
  });
});
