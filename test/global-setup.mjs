// jest's globalSetup, once before any test file: the wasm builds and dist/ must match the sources, or the
// suite would test an old build after an edit of assembly/ or src/ (see test/cli/build-dist.mjs).
import { ensureBuilt } from './cli/build-dist.mjs';

export default ensureBuilt;
