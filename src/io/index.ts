// Browser-safe pictures of results.
export { gridImage } from './image-grid.js';
export type { GridOptions, RgbaImage } from './image-grid.js';
