// A 3x5 pixel font for captions on pictures (layer names, shapes, how values are scaled), so a saved
// PNG says what it shows without a font library. Letters are upper case ('a' draws 'A'); a lower-case
// 'x' is a small x for shapes (28x28x16). Each glyph is five rows of three bits, top row first, the
// high bit on the left.
import type { RgbaImage } from './image-grid.js';

const GLYPHS: Record<string, number[]> = {
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7], F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2], K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2], P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2], U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2], Z: [7, 1, 2, 4, 7],
  0: [7, 5, 5, 5, 7], 1: [2, 6, 2, 2, 7], 2: [6, 1, 2, 4, 7], 3: [6, 1, 2, 1, 6], 4: [5, 5, 7, 1, 1], 5: [7, 4, 6, 1, 6],
  6: [3, 4, 6, 5, 2], 7: [7, 1, 2, 2, 2], 8: [2, 5, 2, 5, 2], 9: [2, 5, 3, 1, 6],
  ' ': [0, 0, 0, 0, 0], '.': [0, 0, 0, 0, 2], ',': [0, 0, 0, 2, 4], ':': [0, 2, 0, 2, 0], '-': [0, 0, 7, 0, 0],
  _: [0, 0, 0, 0, 7], '(': [1, 2, 2, 2, 1], ')': [4, 2, 2, 2, 4], '[': [3, 2, 2, 2, 3], ']': [6, 2, 2, 2, 6],
  '/': [1, 1, 2, 4, 4], '=': [0, 7, 0, 7, 0], '+': [0, 2, 7, 2, 0], '%': [5, 1, 2, 4, 5], x: [0, 5, 2, 5, 0],
  '?': [6, 1, 2, 0, 2], "'": [2, 2, 0, 0, 0],
};

/** Height of a line of text in pixels at scale 1 (glyphs are 5 high). */
export const TEXT_HEIGHT = 5;

const glyphOf = (ch: string) => GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];

/** Width in pixels of `text` at `scale` (3 pixels a glyph and 1 between glyphs). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

/** Draws text with its top-left corner at (x, y), clipped to the image. */
export function drawText(image: RgbaImage, text: string, x: number, y: number, colour: [number, number, number] = [0, 0, 0], scale = 1): void {
  [...text].forEach((ch, i) => {
    glyphOf(ch).forEach((row, r) => {
      for (let c = 0; c < 3; c++) {
        if (!(row & (4 >> c))) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (i * 4 + c) * scale + dx, py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
            const p = (py * image.width + px) * 4;
            image.data[p] = colour[0]; image.data[p + 1] = colour[1]; image.data[p + 2] = colour[2]; image.data[p + 3] = 255;
          }
        }
      }
    });
  });
}
