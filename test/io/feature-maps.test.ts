// featureMapGrid: a layer's activations for one image as grey maps, each stretched to its own range, with
// a caption that says so; the PNG it makes decodes back to those pixels.
import { featureMapGrid, stackImages, tensor, presets, Random } from '../../src/index.js';
import { encodePng, decodePng } from '../../src/io/node.js';
import { drawText, textWidth } from '../../src/io/tiny-font.js';

const grey = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => {
  const p = (y * img.width + x) * 4;
  return img.data[p] === img.data[p + 1] && img.data[p + 1] === img.data[p + 2] ? img.data[p] : -1;
};

// Two images of 2x3 with 2 channels; image 1's channel 0 holds 0..5, channel 1 is 10 - 2 * (0..5).
const acts = tensor(Float32Array.from({ length: 2 * 6 * 2 }, (_, i) => {
  const n = Math.floor(i / 12), pos = Math.floor((i % 12) / 2), c = i % 2;
  return n === 0 ? 7 : c === 0 ? pos : 10 - 2 * pos;
}), [2, 2, 3, 2]);

test('each map scaled to its own range: black its lowest value, white its highest, side by side with a gap', () => {
  const img = featureMapGrid(acts, { index: 1, scale: 2, gap: 1, caption: false });
  expect([img.width, img.height]).toEqual([2 * 3 * 2 + 1, 2 * 2]);
  expect(img.ranges).toEqual([[0, 5], [0, 10]]);
  for (let h = 0; h < 2; h++) {
    for (let w = 0; w < 3; w++) {
      const pos = h * 3 + w;
      for (const [dx, dy] of [[0, 0], [1, 1]]) {
        expect(grey(img, w * 2 + dx, h * 2 + dy)).toBe(Math.round((255 * pos) / 5));            // channel 0
        expect(grey(img, 7 + w * 2 + dx, h * 2 + dy)).toBe(Math.round((255 * (10 - 2 * pos)) / 10));   // channel 1, after the gap
      }
    }
  }
  expect(grey(img, 6, 0)).toBe(255);   // the gap, white
  // A map whose values are all equal (image 0) is black.
  const flatMap = featureMapGrid(acts, { index: 0, scale: 1, gap: 0, caption: false });
  expect(Array.from(flatMap.data.filter((_, i) => i % 4 === 0))).toEqual(new Array(12).fill(0));
});

test('the PNG decodes back to the same pixels', () => {
  const img = featureMapGrid(acts, { index: 1, title: 'conv2d 2x3x2' });
  const back = decodePng(encodePng(img));
  expect([back.width, back.height]).toEqual([img.width, img.height]);
  expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
});

test('the caption: the title, then how the maps are scaled, above the maps', () => {
  const plain = featureMapGrid(acts, { index: 1, caption: false });
  const img = featureMapGrid(acts, { index: 1, title: 'conv2d 2x3x2' });
  expect(img.width).toBe(Math.max(plain.width, textWidth('each map scaled to its own range')));
  expect(img.height).toBe(plain.height + 2 * 7 + 2);
  // The caption's pixels are exactly drawText's of the two lines on white.
  const want = { width: img.width, height: 16, data: new Uint8ClampedArray(img.width * 16 * 4).fill(255) };
  drawText(want, 'conv2d 2x3x2', 0, 1, [40, 40, 40]);
  drawText(want, 'each map scaled to its own range', 0, 8, [40, 40, 40]);
  expect(Buffer.from(img.data.subarray(0, img.width * 16 * 4)).equals(Buffer.from(want.data))).toBe(true);
  // The maps sit below it, unchanged.
  expect(grey(img, 0, 16)).toBe(grey(plain, 0, 0));
  expect(grey(img, 5, 17)).toBe(grey(plain, 5, 1));
});

test('the font draws what it should: "x1" as two 3x5 glyphs with a blank column between', () => {
  const img = { width: 7, height: 5, data: new Uint8ClampedArray(7 * 5 * 4).fill(255) };
  drawText(img, 'x1', 0, 0);
  const rows = Array.from({ length: 5 }, (_, y) => Array.from({ length: 7 }, (_, x) => (img.data[(y * 7 + x) * 4] === 0 ? '#' : '.')).join(''));
  expect(rows).toEqual(['.....#.', '#.#.##.', '.#...#.', '#.#..#.', '....###']);
  expect(textWidth('x1')).toBe(7);
});

test('a flat layer (a dense code) is a strip of cells scaled to the values\' range', () => {
  const code = tensor(Float32Array.from([-1, 0, 1, 3, 0.5, 2, 2, 2]), [2, 4]);
  const img = featureMapGrid(code, { index: 0, scale: 3, caption: false });
  expect([img.width, img.height]).toEqual([12, 3]);
  expect(img.ranges).toEqual([[-1, 3]]);
  expect([0, 3, 6, 9].map((x) => grey(img, x + 1, 1))).toEqual([0, 64, 128, 255]);
  const captioned = featureMapGrid(code, { index: 0 });
  expect(captioned.height).toBe(12 + 7 + 2);
});

test('a conv layer\'s activations from model.activations() go in as they come', async () => {
  const m = presets.kerasTutorial({ threads: 1 });
  const r = new Random(1);
  const x = tensor(Float32Array.from({ length: 2 * 784 }, () => r.uniform()), [2, 28, 28, 1]);
  const acts = await m.activations(x);
  const conv = acts.find((a) => a.layer === 'conv2d')!;
  const img = featureMapGrid(conv, { index: 1, caption: false, columns: 4 });
  expect([img.width, img.height]).toEqual([4 * 28 + 3 * 2, 4 * 28 + 3 * 2]);   // 16 maps, 4 by 4
  const small = featureMapGrid(acts.find((a) => a.layer === 'max_pooling2d_2')!, { caption: false });
  expect([small.width, small.height]).toEqual([8 * 28 + 7 * 2, 28]);             // 4x4 maps drawn 7 times larger
  m.dispose();
});

test('clear errors', () => {
  expect(() => featureMapGrid(tensor(new Float32Array(6), [1, 2, 3]))).toThrow(/featureMapGrid: activations must be a tensor \[N, H, W, C\] \(maps\) or \[N, F\]/);
  expect(() => featureMapGrid(acts, { index: 2 })).toThrow("featureMapGrid: index 2 is past the batch's 2 images");
  expect(() => featureMapGrid(acts, { scale: 0 })).toThrow('featureMapGrid: scale must be an integer ≥ 1, got 0');
});

test('stackImages: pictures one under the other (left-aligned) or side by side, gaps in the background colour', () => {
  const a = featureMapGrid(acts, { index: 1, caption: false, scale: 1, gap: 0 });    // 6 x 2
  const b = featureMapGrid(tensor(Float32Array.from([0, 1]), [1, 2]), { caption: false, scale: 2 });   // 4 x 2
  const down = stackImages([a, b], { gap: 1, background: [255, 0, 0] });
  expect([down.width, down.height]).toEqual([6, 5]);
  expect(Array.from(down.data.subarray(0, 6 * 2 * 4))).toEqual(Array.from(a.data));
  expect(Array.from(down.data.subarray(2 * 6 * 4, 2 * 6 * 4 + 4))).toEqual([255, 0, 0, 255]);     // the gap
  expect(grey(down, 2, 3)).toBe(255);                                                                // b's white cell
  expect(Array.from(down.data.subarray((3 * 6 + 4) * 4, (3 * 6 + 4) * 4 + 4))).toEqual([255, 0, 0, 255]);   // beside the narrower b
  const right = stackImages([b, a], { direction: 'right', gap: 0 });
  expect([right.width, right.height]).toEqual([10, 2]);
  expect(grey(right, 4, 1)).toBe(grey(a, 0, 1));
  expect(() => stackImages([])).toThrow('stackImages: give a non-empty array of pictures');
});
