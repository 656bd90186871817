// What a new user runs into: weights given as bytes that are a view into a larger buffer (a Node Buffer).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, presets } from '../src/index.js';

describe('loadModel({ json, weights }) with weights that are a view into a larger buffer', () => {
  let dir: string;
  const saved = presets.kerasTutorial({ threads: 1, seed: 3 });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denoise-view-'));
    await saved.save(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const json = () => readFileSync(join(dir, 'model.json'), 'utf8');

  test('a Buffer from fs.readFileSync (whose slices are views, not copies)', async () => {
    const m = await loadModel({ json: json(), weights: readFileSync(join(dir, 'weights.bin')) });
    expect(m.getWeights()).toEqual(saved.getWeights());
  });

  test('a Uint8Array and a Buffer viewing a larger buffer at an odd byte offset', async () => {
    const bytes = readFileSync(join(dir, 'weights.bin'));
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    for (const view of [padded.subarray(3, 3 + bytes.length), Buffer.from(padded.buffer, 3, bytes.length)]) {
      const m = await loadModel({ json: json(), weights: { 'weights.bin': view } });
      expect(m.getWeights()).toEqual(saved.getWeights());
    }
  });
});
