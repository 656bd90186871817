import { gzipSync } from 'node:zlib';
import { decodeIdx, encodeIdx, parseIdx } from '../../src/data/index.js';

/** IDX bytes built by hand, independent of encodeIdx: header bytes then body bytes. */
function bytes(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

describe('parseIdx reads hand-built files', () => {
  test('uint8 2x3', () => {
    const got = parseIdx(bytes([0, 0, 0x08, 2], [0, 0, 0, 2, 0, 0, 0, 3], [1, 2, 3, 250, 255, 0]));
    expect(got.type).toBe('uint8');
    expect(got.shape).toEqual([2, 3]);
    expect(got.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.data)).toEqual([1, 2, 3, 250, 255, 0]);
  });

  test('big-endian int32, int16, int8, float32 and float64 values', () => {
    const i32 = parseIdx(bytes([0, 0, 0x0c, 1, 0, 0, 0, 2], [0xff, 0xff, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04]));
    expect(Array.from(i32.data)).toEqual([-2, 0x01020304]);
    const i16 = parseIdx(bytes([0, 0, 0x0b, 1, 0, 0, 0, 2], [0x80, 0x00, 0x01, 0x00]));
    expect(Array.from(i16.data)).toEqual([-32768, 256]);
    const i8 = parseIdx(bytes([0, 0, 0x09, 1, 0, 0, 0, 2], [0xff, 0x7f]));
    expect(Array.from(i8.data)).toEqual([-1, 127]);
    // 1.5f = 0x3fc00000; -2.0 (double) = 0xc000000000000000
    const f32 = parseIdx(bytes([0, 0, 0x0d, 1, 0, 0, 0, 1], [0x3f, 0xc0, 0, 0]));
    expect(f32.type).toBe('float32');
    expect(Array.from(f32.data)).toEqual([1.5]);
    const f64 = parseIdx(bytes([0, 0, 0x0e, 1, 0, 0, 0, 1], [0xc0, 0, 0, 0, 0, 0, 0, 0]));
    expect(f64.type).toBe('float64');
    expect(Array.from(f64.data)).toEqual([-2]);
  });

  test('accepts an ArrayBuffer, and a Uint8Array that views the middle of a larger buffer', () => {
    const file = bytes([0, 0, 0x0c, 1, 0, 0, 0, 1], [0, 0, 1, 0]);
    expect(Array.from(parseIdx(file.slice().buffer).data)).toEqual([256]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect(Array.from(parseIdx(padded.subarray(3)).data)).toEqual([256]);
  });
});

describe('encodeIdx', () => {
  test('writes the exact bytes of the format', () => {
    expect(Array.from(encodeIdx(new Int32Array([-2, 0x01020304]), [2]))).toEqual(
      [0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4],
    );
    expect(Array.from(encodeIdx([1.5], [1, 1], 'float32'))).toEqual([0, 0, 0x0d, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
  });

  test.each([
    ['uint8', Uint8Array.from({ length: 24 }, (_, i) => (i * 37) % 256)],
    ['int8', Int8Array.from({ length: 24 }, (_, i) => i * 11 - 128)],
    ['int16', Int16Array.from({ length: 24 }, (_, i) => i * 2731 - 32768)],
    ['int32', Int32Array.from({ length: 24 }, (_, i) => (i - 12) * 178956970)],
    ['float32', Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3)],
    ['float64', Float64Array.from({ length: 24 }, (_, i) => Math.PI * i - 1e-300)],
  ])('%s round-trips through parseIdx', (type, data) => {
    const got = parseIdx(encodeIdx(data, [2, 3, 4]));
    expect(got.type).toBe(type);
    expect(got.shape).toEqual([2, 3, 4]);
    expect(got.data.constructor).toBe(data.constructor);
    expect(Array.from(got.data)).toEqual(Array.from(data));
  });

  test('plain arrays default to float64; an explicit type converts', () => {
    expect(parseIdx(encodeIdx([0.1, 2], [2])).type).toBe('float64');
    expect(Array.from(parseIdx(encodeIdx(new Float32Array([3, 255]), [2], 'uint8')).data)).toEqual([3, 255]);
  });

  test('refuses values that the type cannot hold instead of wrapping them', () => {
    expect(() => encodeIdx([256], [1], 'uint8')).toThrow('encodeIdx: value 256 at index 0 does not fit uint8');
    expect(() => encodeIdx(new Float32Array([1, 0.5]), [2], 'int32')).toThrow('value 0.5 at index 1 does not fit int32');
    expect(() => encodeIdx([-129], [1], 'int8')).toThrow('does not fit int8');
  });

  test('refuses shapes that disagree with the data', () => {
    expect(() => encodeIdx(new Uint8Array(5), [2, 3])).toThrow('encodeIdx: shape [2,3] holds 6 values but data has 5');
    expect(() => encodeIdx(new Uint8Array(0), [])).toThrow('has 0 dimensions but IDX holds 1 to 255');
    expect(() => encodeIdx(new Uint8Array(2), [2.5])).toThrow('must hold integers');
  });
});

describe('decodeIdx', () => {
  test('decompresses gzip by content and matches the raw decode', async () => {
    const data = Float32Array.from({ length: 3000 }, (_, i) => i / 7);
    const raw = encodeIdx(data, [30, 100]);
    const got = await decodeIdx(gzipSync(raw), 'x.gz');
    expect(got.shape).toEqual([30, 100]);
    expect(got.data).toEqual(data);
    expect((await decodeIdx(raw)).data).toEqual(data);
  });

  test('names the data when the gzip stream is corrupt', async () => {
    const gz = gzipSync(encodeIdx(new Uint8Array(5000).fill(7), [5000]));
    await expect(decodeIdx(gz.subarray(0, 40), 'cut.gz')).rejects.toThrow('decodeIdx: cut.gz: gzip data is corrupt or truncated');
  });
});

describe('malformed files give errors naming the file and the problem', () => {
  const good = encodeIdx(new Uint8Array(2 * 3), [2, 3]);

  test('shorter than the 4-byte header', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]), 'tiny.idx')).toThrow(
      'parseIdx: tiny.idx: truncated: 2 bytes is shorter than the 4-byte IDX header (re-download the file)',
    );
  });

  test('shorter than the dimensions the header declares', () => {
    expect(() => parseIdx(good.subarray(0, 9), 'cut.idx')).toThrow(
      'parseIdx: cut.idx: truncated: the header declares 2 dimensions, needing 12 header bytes, but the file holds 9 (re-download the file)',
    );
  });

  test('data shorter than the dimensions say', () => {
    const images = encodeIdx(new Uint8Array(3 * 28 * 28), [3, 28, 28]);
    expect(() => parseIdx(images.subarray(0, 16 + 1000), 'train-images.idx3-ubyte')).toThrow(
      'parseIdx: train-images.idx3-ubyte: truncated: header says 3x28x28 uint8 = 2352 bytes of data but the file holds 1000 (re-download the file)',
    );
    const floats = encodeIdx(new Float32Array(4), [4]);
    expect(() => parseIdx(floats.subarray(0, floats.length - 1), 'f.idx')).toThrow(
      'header says 4 float32 = 16 bytes of data but the file holds 15',
    );
  });

  test('extra trailing bytes', () => {
    const long = new Uint8Array(good.length + 5);
    long.set(good);
    expect(() => parseIdx(long, 'long.idx')).toThrow(
      'parseIdx: long.idx: 5 extra bytes after the data: header says 2x3 uint8 = 6 bytes of data but the file holds 11',
    );
  });

  test('wrong magic', () => {
    const bad = good.slice();
    bad[0] = 0x50;
    bad[1] = 0x4b;
    expect(() => parseIdx(bad, 'archive.zip')).toThrow(
      'parseIdx: archive.zip: not an IDX file: it starts with bytes 0x50 0x4b but IDX files start with 0x00 0x00',
    );
  });

  test('gzip given to the synchronous parser', () => {
    expect(() => parseIdx(gzipSync(good), 'a.gz')).toThrow('parseIdx: a.gz: is gzip-compressed but parseIdx reads raw IDX bytes only (use await decodeIdx');
  });

  test('unknown type code', () => {
    const bad = good.slice();
    bad[2] = 0x0a;
    expect(() => parseIdx(bad, 'odd.idx')).toThrow('parseIdx: odd.idx: unknown IDX type code 0x0a in byte 2 (known: 0x08 uint8, 0x09 int8');
  });

  test('zero dimensions', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 0, 1]), 'flat.idx')).toThrow(
      'parseIdx: flat.idx: header declares 0 dimensions but IDX data needs at least 1',
    );
  });

  test('decodeIdx reports the same problems, under its own name', async () => {
    await expect(decodeIdx(good.subarray(0, 14), 'y.idx')).rejects.toThrow(
      'decodeIdx: y.idx: truncated: header says 2x3 uint8 = 6 bytes of data but the file holds 2',
    );
    await expect(decodeIdx(gzipSync(good.subarray(0, 14)), 'y.gz')).rejects.toThrow('decodeIdx: y.gz: truncated');
  });
});
