// Browser-safe gzip decompression through the web-standard DecompressionStream
// (browsers, Deno, Node >= 18), so idx.ts needs no Node import.

/** Decompresses gzip bytes; `where` names the data in errors. Needs a global DecompressionStream. */
export async function gunzipBytes(bytes: Uint8Array, where: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(
      `${where}: is gzip-compressed but this runtime has no DecompressionStream (decompress it first, or in Node use loadIdx from the node entry point)`,
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    throw new Error(`${where}: gzip data is corrupt or truncated (${(e as Error).message}); re-download the file`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
