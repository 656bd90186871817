// The demo's Photos panel (examples/browser/photos.js) in headless Chromium, by keyboard: the sample photo
// is noised and denoised by presets.photoDenoiser() (better PSNR than the noisy photo), the sigma slider
// noises and denoises again, the before/after wipe moves with the arrow keys, Home and End, an opened grey
// PNG stays grey, a file that is not a picture is reported beside the buttons, and axe-core finds no
// violations with the panel in use. A screenshot lands in test-artifacts/browser/.
import type { Page } from 'playwright-core';
import { encodePng } from '../../src/io/node.js';
import { axe } from './axe.js';
import { artifactPath, findChromium, launchChromium, serveDemo, type Browser, type Server } from './chromium.js';

interface Photos {
  status: string; name: string | null; width: number; height: number; grey: boolean; sigma: number;
  seconds: number | null; psnrNoisy: number | null; psnrDenoised: number | null; denoiseCount: number; error: string | null;
  idle(): Promise<void>;
}
const photosOf = (page: Page) => page.evaluate(async () => {
  const p = (window as unknown as { photos: Photos }).photos;
  await p.idle();
  const { idle, ...state } = p;
  return state;
});

let browser: Browser;
let server: Server;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  await findChromium();
  [browser, server] = await Promise.all([launchChromium(), serveDemo()]);
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}?threads=2`);
  await page.waitForFunction(() => 'photos' in window);
});

afterAll(async () => {
  await page?.close();
  await Promise.all([browser?.close(), server?.close()]);
});

test('the sample photo by keyboard: noisy at sigma 25, denoised with a better PSNR, the time shown', async () => {
  await page.focus('#photo-file');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('photo-sample');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { photos: Photos }).photos.status), null, { timeout: 120_000 });
  const s = await photosOf(page);
  expect(s.error).toBeNull();
  expect([s.name, s.width, s.height, s.grey, s.sigma]).toEqual(['chelsea.jpg', 451, 300, false, 25]);
  // 20·log10(255/25) = 20.17 dB of noise before clipping; the denoiser must clearly improve on it.
  expect(s.psnrNoisy!).toBeGreaterThan(20);
  expect(s.psnrNoisy!).toBeLessThan(20.8);
  expect(s.psnrDenoised!).toBeGreaterThan(s.psnrNoisy! + 4);
  expect(s.seconds!).toBeGreaterThan(0);
  for (const id of ['photo-noisy', 'photo-denoised', 'photo-before', 'photo-after']) {
    expect(await page.$eval(`#${id}`, (c: HTMLCanvasElement) => [c.width, c.height])).toEqual([451, 300]);
  }
  expect(await page.textContent('#photo-denoised-caption')).toMatch(/^denoised in \d+\.\d\d s: \d+\.\d\d dB$/);
  expect(await page.textContent('#photo-status')).toMatch(/^Denoised chelsea\.jpg \(451×300\) at sigma 25 in \d+\.\d\d s/);
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('photo-sample');   // the focus stays
});

test('the sigma slider: named, says its value, and each move noises and denoises again', async () => {
  const before = await photosOf(page);
  await page.focus('#photo-sigma');
  expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toBe('Noise sigma');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  expect(await page.getAttribute('#photo-sigma', 'aria-valuetext')).toBe('sigma 30 of 255');
  expect(await page.textContent('#photo-sigma-value')).toBe('30');
  const after = await photosOf(page);
  expect(after.sigma).toBe(30);
  expect(after.denoiseCount).toBeGreaterThan(before.denoiseCount);   // moves while one runs are merged into the next
  expect(after.psnrNoisy!).toBeLessThan(before.psnrNoisy! - 1);
  expect(after.psnrDenoised!).toBeGreaterThan(after.psnrNoisy!);
  await page.keyboard.press('Home');
  const clean = await photosOf(page);
  expect([clean.sigma, clean.psnrNoisy]).toEqual([0, Infinity]);   // no noise: the photo as opened
});

test('the before/after wipe moves by keyboard and says where the line is', async () => {
  const wipe = async () => ({
    value: await page.inputValue('#photo-wipe'),
    text: await page.getAttribute('#photo-wipe', 'aria-valuetext'),
    clip: await page.$eval('#photo-after', (c) => getComputedStyle(c).clipPath),
  });
  await page.focus('#photo-wipe');
  expect(await wipe()).toEqual({ value: '50', text: 'line at 50%: noisy on the left, denoised on the right', clip: 'inset(0px 0px 0px 50%)' });
  await page.keyboard.press('ArrowLeft');
  expect((await wipe()).value).toBe('49');
  await page.keyboard.press('Home');
  expect((await wipe()).clip).toBe('inset(0px 0px 0px 0%)');
  await page.keyboard.press('End');
  expect(await wipe()).toEqual({ value: '100', text: 'line at 100%: noisy on the left, denoised on the right', clip: 'inset(0px 0px 0px 100%)' });
  // A click on the picture moves the line there.
  const box = (await page.locator('#photo-compare').boundingBox())!;
  await page.mouse.click(box.x + box.width / 4, box.y + box.height / 2);
  expect(Number((await wipe()).value)).toBeCloseTo(25, -1);
  await page.locator('#photo-sigma').fill('25');
  await photosOf(page);
  await page.screenshot({ path: artifactPath('demo-photos-panel.png'), fullPage: true });
});

test('an opened grey PNG stays grey; a file that is not a picture is reported in the panel', async () => {
  const w = 90, h = 61;   // not multiples of 4
  const data = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : 40 + (((i >> 2) % w) * 2 + Math.floor((i >> 2) / w)) % 180));
  await page.setInputFiles('#photo-file', { name: 'grey.png', mimeType: 'image/png', buffer: Buffer.from(encodePng({ width: w, height: h, data })) });
  await page.waitForFunction(() => (window as unknown as { photos: Photos }).photos.name === 'grey.png');
  const s = await photosOf(page);
  expect([s.status, s.width, s.height, s.grey, s.error]).toEqual(['done', w, h, true, null]);
  const rgb = await page.$eval('#photo-denoised', (c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  expect(rgb.every((v, i) => i % 4 !== 0 || (v === rgb[i + 1] && v === rgb[i + 2]))).toBe(true);

  await page.setInputFiles('#photo-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await page.waitForFunction(() => (window as unknown as { photos: Photos }).photos.status === 'error');
  expect(await page.textContent('#photo-status')).toBe('Error: notes.txt: it is not a picture this browser can read (try PNG or JPEG)');
  expect(await page.textContent('#status')).not.toMatch(/notes\.txt/);   // the digit demo's status is not touched
});

test('axe-core finds no violations with the panel in use; no page errors', async () => {
  expect(await axe(page, 'photos panel in use')).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axe(page, 'photos panel, phone')).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
});
