/**
 * Model files between TF.js and the disk in tests: TF.js's http IOHandler with a fetch function that
 * serves a directory. tf.loadLayersModel reads through it (GET), LayersModel.save writes through it
 * (POST: its form-data upload, written to disk as it is). TF.js's own file:// handler needs tfjs-node.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HOST = 'http://models.test';

/** A fetch for TF.js's http handler: GET reads files under `root`; POST (a save) writes the uploaded files there. */
export function diskFetch(root: string) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = join(root, decodeURIComponent(url.pathname));
    if (init?.method === 'POST') {
      await mkdir(path, { recursive: true });
      const parts: Array<[string, Blob]> = [];
      (init.body as FormData).forEach((value, name) => parts.push([name, value as Blob]));
      for (const [name, blob] of parts) await writeFile(join(path, name), new Uint8Array(await blob.arrayBuffer()));
      return new Response('{}', { status: 200 });
    }
    try {
      const bytes = new Uint8Array(await readFile(path));
      const res = new Response(bytes, { status: 200 });
      // Parse in this realm: jest runs tests in a vm context, and tfjs-layers checks `instanceof Array`.
      res.json = async () => JSON.parse(new TextDecoder().decode(bytes));
      return res;
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

/** tf.loadLayersModel of `root`/`name`/model.json. */
export function tfLoad(root: string, name: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.http(`${HOST}/${name}/model.json`, { fetchFunc: diskFetch(root) }));
}

/** TF.js's LayersModel.save into `root`/`name`; returns that directory. */
export async function tfSave(t: tf.LayersModel, root: string, name: string, includeOptimizer = true): Promise<string> {
  await t.save(tf.io.http(`${HOST}/${name}`, { fetchFunc: diskFetch(root) }), { includeOptimizer });
  return join(root, name);
}
