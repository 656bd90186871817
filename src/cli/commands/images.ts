// Image files for the CLI: PNG (pngjs) and JPEG (jpeg-js), told apart by their first bytes.
import jpeg from 'jpeg-js';
import { decodePng, encodePng } from '../../io/png-node.js';
import type { RgbaImage } from '../../io/image-grid.js';
import { CommandError } from './common.js';
import { DEFAULT_MAX_PIXELS, readImageHeader, sniffImage, type ImageLimits } from '../../io/image-header.js';

export type ImageFormat = 'png' | 'jpeg';
export { sniffImage };

/**
 * RGBA pixels of a PNG or JPEG file's bytes; `name` starts errors. The declared size is checked against
 * `maxPixels` and the file for completeness before anything is decoded.
 */
export function decodeImage(bytes: Uint8Array, name: string, limits: ImageLimits = {}): RgbaImage & { format: ImageFormat } {
  let header;
  try {
    header = readImageHeader(bytes, name, limits);
  } catch (e) {
    throw new CommandError((e as Error).message);
  }
  if (header.format === 'png') {
    try {
      return { ...decodePng(bytes, { ...limits, name }), format: 'png' };
    } catch (e) {
      throw new CommandError((e as Error).message);
    }
  }
  try {
    const maxResolutionInMP = Math.ceil((limits.maxPixels ?? DEFAULT_MAX_PIXELS) / 1e6);
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP, maxMemoryUsageInMB: 4096 });
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), format: 'jpeg' };
  } catch (e) {
    throw new CommandError(`${name}: not a readable JPEG (${decoderReason(e, 'jpeg')})`);
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

/** The output format for a file name (by extension), or an error naming the ones there are. */
export function formatForPath(path: string): ImageFormat {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  throw new CommandError(`cannot tell the format of ${path}: the output name must end in .png, .jpg or .jpeg`);
}

/** File bytes of an RGBA picture (JPEG at quality 95: no alpha). */
export function encodeImage(image: RgbaImage, format: ImageFormat): Uint8Array {
  if (format === 'png') return encodePng(image);
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: image.data }, 95).data);
}
