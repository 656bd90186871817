// Node-only decoding of PNG (pngjs) and JPEG (jpeg-js) file bytes into RGBA, told apart by their first
// bytes, with the declared size checked against the pixel limit before anything is decoded.
import jpeg from 'jpeg-js';
import { decodePng } from './png-node.js';
import type { RgbaImage } from './image-grid.js';
import { DEFAULT_MAX_PIXELS, readImageHeader, type ImageLimits } from './image-header.js';

export type ImageFormat = 'png' | 'jpeg';

/** RGBA pixels of a PNG or JPEG file's bytes; `name` starts every error. */
export function decodeImageBytes(bytes: Uint8Array, name: string, limits: ImageLimits = {}): RgbaImage & { format: ImageFormat } {
  const header = readImageHeader(bytes, name, limits);
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
