// PNG and JPEG files checked from their bytes before any decoding: the size they declare (against a pixel
// limit, so a 99-byte file cannot ask for gigabytes) and that the data is all there (a truncated file is
// an error that says so, not a decoder's internal message). Browser-safe: no Node imports.

import { checkOptions, type OptionSpec } from '../train/validate.js';

/** Default largest image, in pixels: 50 megapixels (e.g. 8,660 x 5,773), about 200 MB as RGBA. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface ImageLimits {
  /** Largest width x height accepted (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

const IMAGE_LIMITS: OptionSpec<ImageLimits> = { maxPixels: 'value' };

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format of image file bytes, or null. */
export function sniffImage(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Declared size of a PNG or JPEG, after checking that the file is complete and that width x height is
 * within `maxPixels`. Errors start with `where` (e.g. the file name).
 */
export function readImageHeader(bytes: Uint8Array, where: string, limits: ImageLimits = {}): ImageHeader {
  const maxPixels = checkOptions(limits, IMAGE_LIMITS, where).maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isSafeInteger(maxPixels) && maxPixels >= 1)) {
    throw new Error(`${where}: maxPixels must be a positive integer, got ${maxPixels}`);
  }
  const format = sniffImage(bytes);
  if (!format) throw new Error(`${where}: not a PNG or JPEG image (its first bytes are neither signature)`);
  const { width, height } = format === 'png' ? pngSize(bytes, where) : jpegSize(bytes, where);
  if (width < 1 || height < 1) throw new Error(`${where}: the ${format.toUpperCase()} header declares an empty image (${width}x${height})`);
  if (width * height > maxPixels) {
    throw new Error(`${where}: the image declares ${width}x${height} = ${fmt(width * height)} pixels, more than the limit of ` +
      `${fmt(maxPixels)}; raise it with maxPixels (denoise-wasm: --max-pixels) if the image is genuine`);
  }
  return { format, width, height };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];

// PNG: signature, then chunks of [length u32][type 4][data][crc 4]; IHDR first, IEND last.
function pngSize(b: Uint8Array, where: string): { width: number; height: number } {
  const truncated = (what: string) => new Error(`${where}: the PNG is truncated (${what}, at byte ${fmt(b.length)}); the file is incomplete`);
  if (b.length < 33) throw truncated('it ends inside its IHDR header');
  const type = (at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  if (type(12) !== 'IHDR' || u32(b, 8) !== 13) throw new Error(`${where}: not a valid PNG (its first chunk is not a 13-byte IHDR)`);
  const width = u32(b, 16), height = u32(b, 20);
  let at = 8;
  let sawData = false;
  for (;;) {
    if (at + 12 > b.length) throw truncated(sawData ? 'it ends after its image data, without the IEND chunk' : 'it ends before its image data');
    const length = u32(b, at), name = type(at + 4);
    if (at + 12 + length > b.length) throw truncated(`it ends inside its ${name} chunk, which declares ${fmt(length)} bytes`);
    if (name === 'IDAT') sawData = true;
    if (name === 'IEND') break;
    at += 12 + length;
  }
  if (!sawData) throw new Error(`${where}: not a valid PNG (it has no IDAT image data)`);
  return { width, height };
}

// JPEG: segments [FF marker][length u16 incl. itself][data]; after SOS, entropy-coded data up to the
// next marker (FF followed by neither 00 nor a restart marker); the image ends with EOI (FF D9).
function jpegSize(b: Uint8Array, where: string): { width: number; height: number } {
  const truncated = (what: string) => new Error(`${where}: the JPEG is truncated (${what}, at byte ${fmt(b.length)}); the file is incomplete`);
  let at = 2;
  let size: { width: number; height: number } | null = null;
  let sawScan = false;
  for (;;) {
    while (at < b.length && b[at] === 0xff && b[at + 1] === 0xff) at++;   // fill bytes
    if (at + 1 >= b.length) throw truncated(sawScan ? 'it ends inside its image data, without the end-of-image marker' : 'it ends before its image data');
    if (b[at] !== 0xff) throw new Error(`${where}: not a valid JPEG (no marker at byte ${fmt(at)})`);
    const marker = b[at + 1];
    if (marker === 0xd9) break;                                           // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { at += 2; continue; }   // no length
    if (at + 4 > b.length) throw truncated('it ends inside a segment header');
    const length = u16(b, at + 2);
    if (length < 2) throw new Error(`${where}: not a valid JPEG (a segment at byte ${fmt(at)} declares length ${length})`);
    if (at + 2 + length > b.length) throw truncated(`it ends inside a segment that declares ${fmt(length)} bytes`);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && !size) {
      if (length < 8) throw new Error(`${where}: not a valid JPEG (its frame header is too short)`);
      size = { height: u16(b, at + 5), width: u16(b, at + 7) };
    }
    at += 2 + length;
    if (marker === 0xda) {                                                // SOS: skip the entropy-coded data
      if (!size) throw new Error(`${where}: not a valid JPEG (image data comes before the frame header)`);
      sawScan = true;
      while (at + 1 < b.length && !(b[at] === 0xff && b[at + 1] !== 0 && !(b[at + 1] >= 0xd0 && b[at + 1] <= 0xd7))) at++;
    }
  }
  if (!size) throw new Error(`${where}: not a valid JPEG (it has no frame header with the image size)`);
  if (!sawScan) throw new Error(`${where}: not a valid JPEG (it has no image data)`);
  return size;
}
