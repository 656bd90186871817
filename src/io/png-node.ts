// Node-only PNG reading and writing (pngjs), for saving image grids of results to disk.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import pngjs from 'pngjs';
import type { Tensor } from '../tensor.js';
import { gridImage } from './image-grid.js';
import type { GridOptions, RgbaImage } from './image-grid.js';

/** PNG file bytes of an RGBA picture. */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new Error(`encodePng: a ${width}x${height} RGBA image needs ${width * height * 4} bytes but data has ${data.length}`);
  }
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return pngjs.PNG.sync.write(png);
}

/** RGBA picture of PNG file bytes (any PNG colour type, expanded to 8-bit RGBA). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  let png;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`decodePng: not a readable PNG (${(e as Error).message})`);
  }
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

/** Writes gridImage(rows, options) to a PNG at `path` (creating parent directories); resolves to the path. */
export async function saveImageGrid(path: string, rows: Tensor[], options: GridOptions = {}): Promise<string> {
  const bytes = encodePng(gridImage(rows, options));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}
