import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/index.js';
import { loadIdx, saveIdx } from '../../src/data/node.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idx-node-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveIdx / loadIdx round trips', () => {
  test('uint8 images larger than one 64 KiB stream chunk', async () => {
    const data = Uint8Array.from({ length: 200 * 28 * 28 }, (_, i) => (i * 31 + (i >> 8)) % 256);
    const path = await saveIdx(join(dir, 'nested', 'deeper', 'imgs-idx3-ubyte'), data, [200, 28, 28]);
    expect(path).toBe(join(dir, 'nested', 'deeper', 'imgs-idx3-ubyte'));
    const file = await readFile(path);
    expect(file.length).toBe(16 + data.length);
    expect(file.length).toBeGreaterThan(64 * 1024);
    expect(Array.from(file.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 200]);
    const got = await loadIdx(path);
    expect(got.type).toBe('uint8');
    expect(got.shape).toEqual([200, 28, 28]);
    expect(got.data).toEqual(data);
  });

  test('float32 and int32 larger than 64 KiB, whose values straddle chunk boundaries', async () => {
    const f = Float32Array.from({ length: 50_000 }, (_, i) => Math.sin(i) * 100 + i);
    await saveIdx(join(dir, 'f.idx'), f, [500, 100]);
    const gotF = await loadIdx(join(dir, 'f.idx'));
    expect(gotF.type).toBe('float32');
    expect(gotF.shape).toEqual([500, 100]);
    expect(gotF.data).toEqual(f);
    const i32 = Int32Array.from({ length: 40_001 }, (_, i) => (i - 20_000) * 53_687);
    await saveIdx(join(dir, 'i.idx'), i32, [40_001]);
    expect((await loadIdx(join(dir, 'i.idx'))).data).toEqual(i32);
  });

  test('results are plain typed arrays that own exactly their data (no Buffer views of the file)', async () => {
    const i8 = Int8Array.from({ length: 1000 }, (_, i) => (i % 256) - 128);
    for (const name of ['b.idx', 'b.idx.gz']) {
      await saveIdx(join(dir, name), i8, [10, 100]);
      const got = await loadIdx(join(dir, name));
      expect(got.data).toBeInstanceOf(Int8Array);
      expect(Array.from(got.data)).toEqual(Array.from(i8));
      expect(got.data.byteOffset).toBe(0);
      expect(got.data.buffer.byteLength).toBe(1000);
    }
    const u8 = await loadIdx(await saveIdx(join(dir, 'u.idx.gz'), new Uint8Array(300).fill(9), [300]));
    expect(u8.data.constructor).toBe(Uint8Array);
    expect(u8.data.buffer.byteLength).toBe(300);
  });

  test('types idx-data cannot read (int16, float64) still load', async () => {
    const d = Float64Array.from({ length: 10_000 }, (_, i) => i / 3);
    await saveIdx(join(dir, 'd.idx'), d, [100, 100]);
    expect((await loadIdx(join(dir, 'd.idx'))).data).toEqual(d);
    const s = Int16Array.from({ length: 40_000 }, (_, i) => (i % 65536) - 32768);
    await saveIdx(join(dir, 's.idx'), s, [40_000]);
    expect((await loadIdx(join(dir, 's.idx'))).data).toEqual(s);
  });

  test('gzip: chosen by the .gz name by default, by the option otherwise; detected by content on load', async () => {
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251);
    await saveIdx(join(dir, 'g-idx1-ubyte.gz'), data, [100_000]);
    const gz = await readFile(join(dir, 'g-idx1-ubyte.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(Array.from(gunzipSync(gz))).toEqual(Array.from(encodeIdx(data, [100_000])));
    expect((await loadIdx(join(dir, 'g-idx1-ubyte.gz'))).data).toEqual(data);
    // gzip content under a name without .gz, and raw content under a .gz name
    await saveIdx(join(dir, 'plain-name'), data, [100_000], { gzip: true });
    expect((await loadIdx(join(dir, 'plain-name'))).data).toEqual(data);
    await saveIdx(join(dir, 'raw.gz'), data, [100_000], { gzip: false });
    expect((await readFile(join(dir, 'raw.gz')))[0]).toBe(0);
    expect((await loadIdx(join(dir, 'raw.gz'))).data).toEqual(data);
  });

  test('bytes instead of a path, raw or gzip', async () => {
    const raw = encodeIdx(new Int32Array([5, -6, 7]), [3]);
    expect(Array.from((await loadIdx(raw)).data)).toEqual([5, -6, 7]);
    expect(Array.from((await loadIdx(new Uint8Array(gzipSync(raw)).buffer)).data)).toEqual([5, -6, 7]);
  });
});

describe('loadIdx errors name the file and the problem', () => {
  const good = encodeIdx(Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 256), [3, 28, 28]);

  async function put(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  test('truncated data', async () => {
    const path = await put('train-images.idx3-ubyte', good.subarray(0, 16 + 1000));
    await expect(loadIdx(path)).rejects.toThrow(
      `loadIdx: ${path}: truncated: header says 3x28x28 uint8 = 2352 bytes of data but the file holds 1000 (re-download the file)`,
    );
  });

  test('truncated header, and an empty file', async () => {
    const path = await put('short-header', good.subarray(0, 10));
    await expect(loadIdx(path)).rejects.toThrow(`loadIdx: ${path}: truncated: the header declares 3 dimensions, needing 16 header bytes`);
    const empty = await put('empty', new Uint8Array(0));
    await expect(loadIdx(empty)).rejects.toThrow(`loadIdx: ${empty}: truncated: 0 bytes is shorter than the 4-byte IDX header`);
  });

  test('extra bytes', async () => {
    const long = new Uint8Array(good.length + 4);
    long.set(good);
    const path = await put('long', long);
    await expect(loadIdx(path)).rejects.toThrow(`loadIdx: ${path}: 4 extra bytes after the data`);
  });

  test('wrong magic, unknown type, zero dimensions', async () => {
    const text = await put('notes.txt', new TextEncoder().encode('hello, this is not IDX'));
    await expect(loadIdx(text)).rejects.toThrow(`loadIdx: ${text}: not an IDX file: it starts with bytes 0x68 0x65`);
    const odd = good.slice();
    odd[2] = 0x07;
    const oddPath = await put('odd', odd);
    await expect(loadIdx(oddPath)).rejects.toThrow(`loadIdx: ${oddPath}: unknown IDX type code 0x07 in byte 2`);
    const flat = await put('flat', new Uint8Array([0, 0, 8, 0]));
    await expect(loadIdx(flat)).rejects.toThrow(`loadIdx: ${flat}: header declares 0 dimensions`);
  });

  test('problems inside a gzip file, and a corrupt gzip stream', async () => {
    const path = await put('cut-idx3-ubyte.gz', gzipSync(good.subarray(0, 16 + 100)));
    await expect(loadIdx(path)).rejects.toThrow(`loadIdx: ${path}: truncated: header says 3x28x28 uint8 = 2352 bytes of data but the file holds 100`);
    const broken = await put('broken.gz', gzipSync(good).subarray(0, 30));
    await expect(loadIdx(broken)).rejects.toThrow(`loadIdx: ${broken}: gzip data is corrupt or truncated`);
  });

  test('missing file and directory: a rejected promise, not a crash', async () => {
    const missing = join(dir, 'nope-idx3-ubyte');
    await expect(loadIdx(missing)).rejects.toThrow(`loadIdx: ${missing}: no such file (check the path and file name)`);
    const sub = join(dir, 'a-dir');
    await mkdir(sub, { recursive: true });
    await expect(loadIdx(sub)).rejects.toThrow(`loadIdx: ${sub}: is a directory, not an IDX file`);
  });

  test('bytes get a default name, or the one given', async () => {
    await expect(loadIdx(good.subarray(0, 20))).rejects.toThrow('loadIdx: IDX data: truncated');
    await expect(loadIdx(good.subarray(0, 20), 'upload')).rejects.toThrow('loadIdx: upload: truncated');
  });
});
