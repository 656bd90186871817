// Image files for the CLI: PNG (pngjs) and JPEG (jpeg-js), told apart by their first bytes.
import jpeg from 'jpeg-js';
import { decodePng, encodePng } from '../../io/png-node.js';
import type { RgbaImage } from '../../io/image-grid.js';
import { CommandError } from './common.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** The format of image file bytes, or null. */
export function sniffImage(bytes: Uint8Array): ImageFormat | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** RGBA pixels of a PNG or JPEG file's bytes; `name` labels errors. */
export function decodeImage(bytes: Uint8Array, name: string): RgbaImage & { format: ImageFormat } {
  const format = sniffImage(bytes);
  if (!format) throw new CommandError(`${name} is not a PNG or JPEG image`);
  try {
    if (format === 'png') return { ...decodePng(bytes), format };
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 });
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), format };
  } catch (e) {
    throw new CommandError(`${name} is not a readable ${format === 'png' ? 'PNG' : 'JPEG'} (${decoderReason(e, format)})`);
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
  return message.replace(/^decodePng: /, '');
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
