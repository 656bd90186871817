// Node-only picture files (PNG through pngjs, JPEG through jpeg-js).
export { encodePng, decodePng } from './png-node.js';
export { saveImageGrid } from './image-node.js';
export type { DecodePngOptions } from './png-node.js';
