// Node-only PNG reading and writing (pngjs), for saving image grids of results to disk.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import pngjs from 'pngjs';
import type { Tensor } from '../tensor.js';
import { gridImage } from './image-grid.js';
import type { GridOptions, RgbaImage } from './image-grid.js';
import { readImageHeader, sniffImage, type ImageLimits } from './image-header.js';
import { describeValue } from '../train/validate.js';

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

/** Options of decodePng: the pixel limit, and the name errors start with (default 'decodePng'). */
export interface DecodePngOptions extends ImageLimits {
  name?: string;
}

/**
 * RGBA picture of PNG file bytes (any PNG colour type, expanded to 8-bit RGBA). The declared size is
 * checked against `maxPixels` (50 megapixels by default) and the file for completeness before decoding.
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): RgbaImage {
  const where = options.name ?? 'decodePng';
  if (!(bytes instanceof Uint8Array)) throw new Error(`${where}: give the PNG file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  if (sniffImage(bytes) !== 'png') throw new Error(`${where}: not a readable PNG (its first bytes are not the PNG signature)`);
  readImageHeader(bytes, where, options);
  let png;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${where}: not a readable PNG (${(e as Error).message})`);
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
