// A model.json can only name weights files inside its own folder: '..', absolute paths, other schemes
// and other origins are refused before anything is read or fetched.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sequential, layers, loadModel } from '../../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denoise-paths-'));
  const m = new Sequential({ inputShape: [3], seed: 1 }, [layers.dense({ units: 2 })]);
  await m.save(join(dir, 'models', 'm'));
  // A file outside the model's folder that would load as its weights.
  await copyFile(join(dir, 'models', 'm', 'weights.bin'), join(dir, 'models', 'outside.bin'));
  await mkdir(join(dir, 'models', 'm', 'sub'));
  await copyFile(join(dir, 'models', 'm', 'weights.bin'), join(dir, 'models', 'm', 'sub', 'w.bin'));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function withPaths(paths: string[]): Promise<string> {
  const json = JSON.parse(await readFile(join(dir, 'models', 'm', 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = paths;
  await writeFile(join(dir, 'models', 'm', 'model.json'), JSON.stringify(json));
  return join(dir, 'models', 'm');
}

const BAD = ['../outside.bin', 'sub/../../outside.bin', '%2e%2e/outside.bin', '..\\outside.bin'];

describe('weights paths in Node', () => {
  test.each([...BAD, '/etc/hostname', 'file:///etc/hostname', 'C:/x.bin'])('%s is refused', async (p) => {
    await expect(loadModel(await withPaths([p]), { threads: 1 }))
      .rejects.toThrow(`model.json: weightsManifest[0]: the weights path ${JSON.stringify(p)} points outside the model's folder`);
  });

  test('a path into a subfolder still loads', async () => {
    const m = await loadModel(await withPaths(['sub/w.bin']), { threads: 1 });
    expect(m.countParams()).toBe(8);
    await withPaths(['weights.bin']);
  });
});

describe('weights paths from a URL', () => {
  test('another origin or a parent folder is refused, and never fetched', async () => {
    const requested: string[] = [];
    const server = createServer(async (req, res) => {
      requested.push(req.url!);
      try {
        res.writeHead(200).end(await readFile(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const p of [...BAD, 'http://127.0.0.1:1/w.bin', '//evil.example/w.bin', '/models/outside.bin']) {
        await withPaths([p]);
        await expect(loadModel(`${base}/models/m/model.json`, { threads: 1 })).rejects.toThrow(/points outside the model's folder/);
      }
      expect(requested.filter((u) => !u.endsWith('/model.json'))).toEqual([]);
      await withPaths(['sub/w.bin']);
      expect((await loadModel(`${base}/models/m/model.json`, { threads: 1 })).countParams()).toBe(8);
    } finally {
      server.close();
      await withPaths(['weights.bin']);
    }
  });
});
