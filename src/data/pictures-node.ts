// Node-only: pictures from PNG/JPEG files, a directory of them or a list of paths (see pictures.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImageBytes } from '../io/image-node.js';
import type { RgbaImage } from '../io/image-grid.js';
import { checkSameChannels, pictureFromRgba, type LoadImagesOptions, type Picture } from './pictures.js';

const PICTURE_FILE = /\.(png|jpe?g)$/i;

/** The PNG/JPEG files of a directory (sorted by name), or the given paths as they are. */
export async function listImageFiles(source: string | readonly string[]): Promise<string[]> {
  if (typeof source !== 'string') {
    if (source.length === 0) throw new Error('loadImages: the list of files is empty');
    return [...source];
  }
  let isDir: boolean;
  try {
    isDir = (await stat(source)).isDirectory();
  } catch {
    throw new Error(`loadImages: ${source}: no such file or directory`);
  }
  if (!isDir) return [source];
  const names = (await readdir(source)).filter((n) => PICTURE_FILE.test(n)).sort();
  if (names.length === 0) throw new Error(`loadImages: ${source}: the directory holds no .png, .jpg or .jpeg files`);
  return names.map((n) => join(source, n));
}

/** RGBA pixels of one PNG/JPEG file; every error names the file. */
export async function readImageFile(path: string, options: LoadImagesOptions = {}): Promise<RgbaImage & { name: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`loadImages: ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a picture' : `cannot read it (${(e as Error).message})`}`);
  }
  if (bytes.length === 0) throw new Error(`loadImages: ${path}: the file is empty`);
  try {
    return { ...decodeImageBytes(bytes, path, options), name: path };
  } catch (e) {
    throw new Error(`loadImages: ${(e as Error).message}`);
  }
}

/** loadImages for Node: a directory of PNG/JPEG files or a list of paths. */
export async function loadImageFiles(source: string | readonly string[], options: LoadImagesOptions = {}): Promise<Picture[]> {
  const paths = await listImageFiles(source);
  const pictures: Picture[] = [];
  for (const p of paths) pictures.push(pictureFromRgba(await readImageFile(p, options), options.channels));
  return checkSameChannels(pictures, 'loadImages');
}
