import { gridImage } from '../../src/io/index.js';
import type { RgbaImage } from '../../src/io/index.js';
import type { Tensor } from '../../src/tensor.js';

const px = (im: RgbaImage, x: number, y: number) => Array.from(im.data.subarray((y * im.width + x) * 4, (y * im.width + x) * 4 + 4));

// row 0: two grey 2x3 images; row 1: one RGB 2x3 image
const grey: Tensor = { data: Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1, 1, 0.5, 0, -0.3, 1.7, NaN]), shape: [2, 2, 3, 1] };
const rgb: Tensor = {
  data: Float32Array.from({ length: 18 }, (_, i) => [1, 0, 0, 0, 1, 0, 0, 0, 1][i % 9] * (i < 9 ? 1 : 0.5)),
  shape: [1, 2, 3, 3],
};

describe('gridImage', () => {
  test('layout: cells of W·scale x H·scale, gaps between cells only, missing cells left as background', () => {
    const im = gridImage([grey, rgb], { gap: 1, scale: 2 });
    expect([im.width, im.height]).toEqual([2 * 6 + 1, 2 * 4 + 1]);
    expect(im.data).toBeInstanceOf(Uint8ClampedArray);
    expect(im.data.length).toBe(13 * 9 * 4);
    const white = [255, 255, 255, 255];
    expect(px(im, 6, 0)).toEqual(white); // the gap column between cells
    expect(px(im, 0, 4)).toEqual(white); // the gap row between rows
    expect(px(im, 7 + 5, 5 + 3)).toEqual(white); // row 1 has no second image
  });

  test('values: [0, 1] → 0..255 rounded, clipped outside, NaN as 0; grey fills R = G = B', () => {
    const im = gridImage([grey, rgb], { gap: 1, scale: 2 });
    // row 0 cell 0, image pixel (i, j) covers output pixels (2j..2j+1, 2i..2i+1)
    expect(px(im, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(im, 3, 1)).toEqual([51, 51, 51, 255]); // 0.2
    expect(px(im, 5, 3)).toEqual([255, 255, 255, 255]); // 1
    expect(px(im, 2, 2)).toEqual([204, 204, 204, 255]); // 0.8
    // row 0 cell 1 starts at x = 7: second image [1, 0.5, 0; -0.3, 1.7, NaN]
    expect(px(im, 7 + 2, 0)).toEqual([128, 128, 128, 255]); // 0.5 → 127.5 → 128
    expect(px(im, 7 + 0, 2)).toEqual([0, 0, 0, 255]); // -0.3 clipped
    expect(px(im, 7 + 3, 3)).toEqual([255, 255, 255, 255]); // 1.7 clipped
    expect(px(im, 7 + 5, 3)).toEqual([0, 0, 0, 255]); // NaN
    // row 1 starts at y = 5: RGB pixels red, green, blue, then halves
    expect(px(im, 0, 5)).toEqual([255, 0, 0, 255]);
    expect(px(im, 2, 5)).toEqual([0, 255, 0, 255]);
    expect(px(im, 4, 6)).toEqual([0, 0, 255, 255]);
    expect(px(im, 0, 7)).toEqual([128, 0, 0, 255]);
  });

  test('columns limits the images per row; background colour and [N, H, W] rows are accepted', () => {
    const im = gridImage([grey, { data: grey.data, shape: [2, 2, 3] }], { columns: 1, gap: 3, background: [10, 20, 30] });
    expect([im.width, im.height]).toEqual([3, 2 + 3 + 2]);
    expect(px(im, 1, 3)).toEqual([10, 20, 30, 255]);
    expect(px(im, 1, 0)).toEqual([51, 51, 51, 255]);
    expect(px(im, 1, 5)).toEqual([51, 51, 51, 255]);
  });

  test('bad input is a clear error', () => {
    expect(() => gridImage([])).toThrow('gridImage: no rows given');
    expect(() => gridImage([grey, { data: new Float32Array(9), shape: [1, 3, 3, 1] }])).toThrow(
      'gridImage: row 1 holds 3x3 images but row 0 holds 2x3',
    );
    expect(() => gridImage([{ data: new Float32Array(8), shape: [1, 2, 2, 2] }])).toThrow('needs [N, H, W, C] with C = 1 or 3');
    expect(() => gridImage([grey], { scale: 0 })).toThrow('gridImage: scale must be an integer ≥ 1, got 0');
  });
});
