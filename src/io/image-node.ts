// Node-only picture files: PNG (pngjs) and JPEG (jpeg-js) bytes decoded into RGBA, told apart by their
// first bytes, with the declared size checked against the pixel limit before anything is decoded; and
// written in the format their file name's extension names.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { decodePng, encodePng } from './png-node.js';
import { gridImage, type GridOptions, type RgbaImage } from './image-grid.js';
import { DEFAULT_MAX_PIXELS, readImageHeader, type ImageLimits } from './image-header.js';
import type { Tensor } from '../tensor.js';

export type ImageFormat = 'png' | 'jpeg';

/** The file name endings pictures are written under, and the format each names. */
const WRITTEN: Record<string, ImageFormat> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg' };
/** ".png, .jpg or .jpeg", for messages. */
export const WRITTEN_EXTENSIONS = Object.keys(WRITTEN).map((e) => `.${e}`).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The format a file name's extension names (.png; .jpg, .jpeg), or undefined for one not written. */
export function imageFormatForName(path: string): ImageFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext !== undefined && Object.hasOwn(WRITTEN, ext) ? WRITTEN[ext] : undefined;
}

/** File bytes of an RGBA picture: PNG, or JPEG at quality 95 (which has no alpha). */
export function encodeImageBytes(image: RgbaImage, format: ImageFormat): Uint8Array {
  if (format === 'png') return encodePng(image);
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: image.data }, 95).data);
}

/**
 * Writes gridImage(rows, options) at `path` (creating parent directories) as a PNG or a JPEG, by the
 * name's extension (.png, .jpg, .jpeg; any other is refused before anything is drawn); resolves to the path.
 */
export async function saveImageGrid(path: string, rows: Tensor[], options: GridOptions = {}): Promise<string> {
  const format = imageFormatForName(String(path));
  if (!format) throw new Error(`saveImageGrid: cannot tell the format of ${path}: the name must end in ${WRITTEN_EXTENSIONS}`);
  const bytes = encodeImageBytes(gridImage(rows, options), format);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

/** RGBA pixels of a PNG or JPEG file's bytes; `name` starts every error. */
export function decodeImageBytes(bytes: Uint8Array, name: string, limits: ImageLimits = {}): RgbaImage & { format: ImageFormat } {
  const header = readImageHeader(bytes, name, { maxPixels: limits.maxPixels });
  if (header.format === 'png') return { ...decodePng(bytes, { maxPixels: limits.maxPixels, name }), format: 'png' };
  try {
    const maxResolutionInMP = Math.ceil((limits.maxPixels ?? DEFAULT_MAX_PIXELS) / 1e6);
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP, maxMemoryUsageInMB: 4096 });
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), format: 'jpeg' };
  } catch (e) {
    throw new Error(`${name}: not a readable JPEG (${decoderReason(e, 'jpeg')})`);
  }
}

/**
 * Why a decoder failed, in words for the user. jpeg-js meets some corrupt files (a marker's bytes
 * overwritten) with a JavaScript error of its own, "Cannot read properties of undefined (reading '0')",
 * which says nothing about the file: that becomes "corrupt JPEG data" (found by test/fuzz/images.test.ts).
 */
function decoderReason(e: unknown, format: ImageFormat): string {
  const name = (e as Error)?.name;
  if (name === 'TypeError' || name === 'RangeError') return `corrupt ${format === 'png' ? 'PNG' : 'JPEG'} data: the decoder stopped on it`;
  const message = typeof (e as Error)?.message === 'string' ? (e as Error).message : String(e);
  return message;
}
