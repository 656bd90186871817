// Image files for the CLI: PNG (pngjs) and JPEG (jpeg-js), told apart by their first bytes.
import jpeg from 'jpeg-js';
import { encodePng } from '../../io/png-node.js';
import { decodeImageBytes, type ImageFormat } from '../../io/image-node.js';
import type { RgbaImage } from '../../io/image-grid.js';
import { CommandError, UsageError } from './common.js';
import { sniffImage, type ImageLimits } from '../../io/image-header.js';

export type { ImageFormat };
export { sniffImage };

/**
 * RGBA pixels of a PNG or JPEG file's bytes; `name` starts errors. The declared size is checked against
 * `maxPixels` and the file for completeness before anything is decoded.
 */
export function decodeImage(bytes: Uint8Array, name: string, limits: ImageLimits = {}): RgbaImage & { format: ImageFormat } {
  try {
    return decodeImageBytes(bytes, name, limits);
  } catch (e) {
    throw new CommandError((e as Error).message);
  }
}

/** The output format for a file name (by extension), or an error naming the ones there are. */
export function formatForPath(path: string): ImageFormat {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  throw new UsageError(`cannot tell the format of ${path}: the output name must end in .png, .jpg or .jpeg`);
}

/** File bytes of an RGBA picture (JPEG at quality 95: no alpha). */
export function encodeImage(image: RgbaImage, format: ImageFormat): Uint8Array {
  if (format === 'png') return encodePng(image);
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: image.data }, 95).data);
}
