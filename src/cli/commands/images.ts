// Image files for the CLI: PNG (pngjs) and JPEG (jpeg-js), told apart by their first bytes.
import { decodeImageBytes, encodeImageBytes, imageFormatForName, WRITTEN_EXTENSIONS, type ImageFormat } from '../../io/image-node.js';
import type { RgbaImage } from '../../io/image-grid.js';
import { CommandError, UsageError } from './common.js';
import { sniffImage, type ImageLimits } from '../../io/image-header.js';

export type { ImageFormat };
export { sniffImage, encodeImageBytes as encodeImage };

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

/** The output format for a file name (by extension), or a mistake naming the ones there are. */
export function formatForPath(path: string): ImageFormat {
  const format = imageFormatForName(path);
  if (!format) throw new UsageError(`cannot tell the format of ${path}: the output name must end in ${WRITTEN_EXTENSIONS}`);
  return format;
}
