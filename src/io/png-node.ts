// Node-only PNG reading and writing (pngjs).
import pngjs from 'pngjs';
import { inflateSync } from 'node:zlib';
import type { RgbaImage } from './image-grid.js';
import { readImageHeader, sniffImage, type ImageLimits } from './image-header.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

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

const DECODE_PNG_OPTIONS: OptionSpec<DecodePngOptions> = { name: 'value', maxPixels: 'value' };

/**
 * RGBA picture of PNG file bytes (any PNG colour type, expanded to 8-bit RGBA). The declared size is
 * checked against `maxPixels` (50 megapixels by default) and the file for completeness before decoding.
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): RgbaImage {
  checkOptions(options, DECODE_PNG_OPTIONS, 'decodePng');
  const where = options.name ?? 'decodePng';
  if (!(bytes instanceof Uint8Array)) throw new Error(`${where}: give the PNG file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  if (sniffImage(bytes) !== 'png') throw new Error(`${where}: not a readable PNG (its first bytes are not the PNG signature)`);
  readImageHeader(bytes, where, { maxPixels: options.maxPixels });
  checkImageData(bytes, where);
  let png;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${where}: not a readable PNG (${(e as Error).message})`);
  }
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

/**
 * A PNG whose image data inflates to fewer bytes than its header's rows need is refused: pngjs can
 * otherwise hand back an image of the declared size made up from too little data. Non-interlaced images
 * only (Adam7's passes are not summed here); inflation stops at the size the header declares.
 */
function checkImageData(bytes: Uint8Array, where: string): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = v.getUint32(16), height = v.getUint32(20), depth = bytes[24], colour = bytes[25], interlace = bytes[28];
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (interlace !== 0 || !channels) return;   // pngjs refuses unknown colour types itself
  const need = height * (1 + Math.ceil((width * channels * depth) / 8));
  const parts: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = v.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, Math.min(at + 8 + length, bytes.length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  let got: number;
  try {
    got = inflateSync(Buffer.concat(parts), { maxOutputLength: need }).length;
  } catch {
    return;   // more data than the header needs, or a corrupt stream: pngjs says what is wrong
  }
  if (got < need) {
    throw new Error(`${where}: the PNG is truncated (its image data holds ${got.toLocaleString('en-US')} bytes, its ${width}x${height} ` +
      `header needs ${need.toLocaleString('en-US')}); the file is damaged or incomplete`);
  }
}
