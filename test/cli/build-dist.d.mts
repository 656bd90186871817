/** The repository root. */
export declare const ROOT: string;
/** True when a wasm build is missing or older than a source it is compiled from. */
export declare function wasmStale(): boolean;
/** True when dist/ is missing or older than a src/ file. */
export declare function distStale(): boolean;
/** Makes sure dist/ (tsc) and build/ (the wasm) match the sources; waits while another worker builds. */
export declare function ensureBuilt(): Promise<void>;
