// Browser-safe pictures of results.
export { gridImage, stackImages } from './image-grid.js';
export type { GridOptions, StackOptions, RgbaImage } from './image-grid.js';
export { readImageHeader, DEFAULT_MAX_PIXELS } from './image-header.js';
export type { ImageHeader, ImageLimits } from './image-header.js';
export { featureMapGrid } from './feature-maps.js';
export type { FeatureMapGrid, FeatureMapGridOptions } from './feature-maps.js';
