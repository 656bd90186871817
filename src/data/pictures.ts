// Your own pictures as bytes: loadImages() reads PNG/JPEG files (Node: a directory or file paths, through
// the Node-only pictures-node.ts) or browser images (File, Blob, ImageBitmap, <img>, <canvas>) into
// pictures of any size, 1 or 3 channels, one byte per value (HWC rows), as they are on disk.
import { readImageHeader, sniffImage, DEFAULT_MAX_PIXELS, type ImageLimits } from '../io/image-header.js';
import type { RgbaImage } from '../io/image-grid.js';
import type { loadImageFiles } from './pictures-node.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** One picture: height x width pixels of `channels` bytes each (0-255), row-major (HWC), and its name. */
export interface Picture {
  /** The file name (or "image 3" for unnamed browser images), for messages. */
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface LoadImagesOptions extends ImageLimits {
  /**
   * 1 (grey) or 3 (RGB): every picture is converted to this. Default: what the pictures are (a picture
   * whose pixels all have R = G = B is grey), which must be the same for all of them.
   */
  channels?: 1 | 3;
}

const LOAD_IMAGES_OPTIONS: OptionSpec<LoadImagesOptions> = { channels: 'value', maxPixels: 'value' };

/** Browser image sources loadImages takes (the DOM types, named loosely so Node builds need no DOM lib). */
export type BrowserImage = Blob | ImageBitmap | { readonly naturalWidth: number } | { getContext: unknown; width: number; height: number };

/** Where pictures come from: Node: a directory or a list of PNG/JPEG paths; browsers: Files, Blobs, ImageBitmaps, <img> or <canvas>. */
export type ImageSource = string | readonly string[] | readonly BrowserImage[];

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Loads pictures of any size as bytes. Node: `source` is a directory (its .png/.jpg/.jpeg files, sorted
 * by name) or a list of file paths. Browsers: a list of File/Blob (PNG, JPEG, or anything the browser
 * decodes), ImageBitmap, HTMLImageElement or HTMLCanvasElement. Every error names the picture.
 */
export async function loadImages(source: ImageSource, options: LoadImagesOptions = {}): Promise<Picture[]> {
  checkOptions(options, LOAD_IMAGES_OPTIONS, 'loadImages');
  const channels = options.channels;
  if (channels !== undefined && channels !== 1 && channels !== 3) {
    throw new Error(`loadImages: channels must be 1 (grey) or 3 (RGB), got ${describeValue(channels)}`);
  }
  const list = typeof source === 'string' ? [source] : source;
  if (!Array.isArray(list)) {
    throw new Error(`loadImages: give a directory, a list of PNG/JPEG paths (Node) or a list of Files, Blobs, ImageBitmaps, <img> or <canvas> ` +
      `elements (browsers), got ${describeValue(source)}`);
  }
  if (typeof source === 'string' || list.every((s) => typeof s === 'string')) {
    if (!isNode()) throw new Error('loadImages: file paths need Node; in a browser give Files, Blobs, ImageBitmaps, <img> or <canvas> elements');
    const nodeOnly = './pictures-node.js';   // hidden from bundlers: browser builds don't pull in fs
    const files: { loadImageFiles: typeof loadImageFiles } = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeOnly);
    return files.loadImageFiles(source as string | string[], options);
  }
  const pictures: Picture[] = [];
  for (let i = 0; i < list.length; i++) {
    pictures.push(pictureFromRgba({ ...await decodeBrowserImage(list[i] as BrowserImage, i, options), name: nameOf(list[i], i) }, channels));
  }
  return checkSameChannels(pictures, 'loadImages');
}

function nameOf(s: unknown, i: number): string {
  const n = (s as { name?: unknown })?.name;
  return typeof n === 'string' && n ? n : `image ${i}`;
}

/** Canvas pixels of a browser image source. */
async function decodeBrowserImage(s: BrowserImage, i: number, limits: ImageLimits): Promise<RgbaImage> {
  const where = `loadImages: ${nameOf(s, i)}`;
  const g = globalThis as unknown as { OffscreenCanvas?: new (w: number, h: number) => { getContext(k: '2d'): CanvasRenderingContext2D | null }; createImageBitmap?: (b: Blob) => Promise<ImageBitmap> };
  let drawable: CanvasImageSource;
  let width: number, height: number;
  if (typeof Blob !== 'undefined' && s instanceof Blob) {
    const bytes = new Uint8Array(await s.arrayBuffer());
    if (bytes.length === 0) throw new Error(`${where}: the file is empty`);
    if (sniffImage(bytes)) readImageHeader(bytes, where, { maxPixels: limits.maxPixels });   // truncation and the pixel limit, before decoding
    if (!g.createImageBitmap) throw new Error(`${where}: this runtime cannot decode images (no createImageBitmap)`);
    try {
      drawable = await g.createImageBitmap(s);
    } catch (e) {
      throw new Error(`${where}: not a readable image (${(e as Error).message}); use PNG or JPEG files`);
    }
    ({ width, height } = drawable as ImageBitmap);
  } else if (s && typeof (s as { naturalWidth?: unknown }).naturalWidth === 'number') {
    const img = s as HTMLImageElement;
    if (!img.complete || img.naturalWidth === 0) throw new Error(`${where}: the <img> has not loaded (or failed to): await img.decode() first`);
    drawable = img; width = img.naturalWidth; height = img.naturalHeight;
  } else if (s && (typeof (s as { getContext?: unknown }).getContext === 'function' || (typeof ImageBitmap !== 'undefined' && s instanceof ImageBitmap))) {
    drawable = s as HTMLCanvasElement | ImageBitmap; width = (s as ImageBitmap).width; height = (s as ImageBitmap).height;
  } else {
    throw new Error(`${where}: not an image source: give a File, Blob, ImageBitmap, <img> or <canvas>, got ${describeValue(s)}`);
  }
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width < 1 || height < 1) throw new Error(`${where}: the image is empty (${width}x${height})`);
  if (width * height > maxPixels) throw new Error(`${where}: the image is ${width}x${height} = ${width * height} pixels, more than the limit of ${maxPixels}; raise it with maxPixels if the image is genuine`);
  if (!g.OffscreenCanvas) throw new Error(`${where}: this runtime has no OffscreenCanvas to read pixels with`);
  const ctx = new g.OffscreenCanvas(width, height).getContext('2d');
  if (!ctx) throw new Error(`${where}: no 2D canvas context to read pixels with`);
  ctx.drawImage(drawable, 0, 0);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}

/** True when every pixel of an RGBA picture has R = G = B. */
function isGrey(d: Uint8ClampedArray | Uint8Array): boolean {
  for (let p = 0; p < d.length; p += 4) if (d[p] !== d[p + 1] || d[p] !== d[p + 2]) return false;
  return true;
}

/**
 * An RGBA picture (alpha ignored) as a Picture of `channels` bytes per pixel (default: 1 when every pixel
 * has R = G = B, else 3). Grey is the Rec. 601 luma (77 R + 150 G + 29 B) / 256, rounded, which keeps grey
 * pixels as they are; grey to RGB repeats the value.
 */
export function pictureFromRgba(im: RgbaImage & { name: string }, channels?: 1 | 3): Picture {
  const C = channels ?? (isGrey(im.data) ? 1 : 3);
  const n = im.width * im.height, src = im.data, data = new Uint8Array(n * C);
  if (C === 3) for (let p = 0; p < n; p++) { data[3 * p] = src[4 * p]; data[3 * p + 1] = src[4 * p + 1]; data[3 * p + 2] = src[4 * p + 2]; }
  else for (let p = 0; p < n; p++) data[p] = (77 * src[4 * p] + 150 * src[4 * p + 1] + 29 * src[4 * p + 2] + 128) >> 8;
  return { name: im.name, width: im.width, height: im.height, channels: C, data };
}

/** Throws when the pictures differ in channel count, naming one of each kind; `who` starts the error. */
export function checkSameChannels(pictures: readonly Picture[], who: string): Picture[] {
  if (pictures.length === 0) throw new Error(`${who}: no pictures were given`);
  const other = pictures.find((p) => p.channels !== pictures[0].channels);
  if (other) {
    const [colour, grey] = other.channels === 3 ? [other, pictures[0]] : [pictures[0], other];
    throw new Error(`${who}: mixed channel counts: ${colour.name} is in colour (3 channels) but ${grey.name} is grey (1); ` +
      'pass channels: 1 or channels: 3 to convert them all to one');
  }
  return [...pictures];
}
