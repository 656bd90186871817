// Node-only picture files (PNG through pngjs).
export { encodePng, decodePng, saveImageGrid } from './png-node.js';
export type { DecodePngOptions } from './png-node.js';
