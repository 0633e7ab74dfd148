// One headless Chromium per process, started on first use and reused for every figure (start-up ≈3 s, then
// ≈50 ms per PNG). Debian's /usr/bin/chromium driven by playwright-core: `npx playwright install` cannot
// download a browser here, and a real browser is what renders plotly.js the way users see it.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../util/paths';

/** Flags from ../shared/ENVIRONMENT.md: no sandbox (containers), no GPU, no background network traffic. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** The browser binary: $MEDSSL_CHROMIUM, else the first of the usual Debian/Ubuntu paths that exists. */
export function chromiumPath(candidates: readonly string[] = CANDIDATES): string {
  const env = process.env.MEDSSL_CHROMIUM;
  if (env) {
    if (!fs.existsSync(env)) throw new Error(`MEDSSL_CHROMIUM=${env}: no such file`);
    return env;
  }
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `figures need a headless Chromium and none was found (looked in ${candidates.join(', ')}). ` +
        'Install it with `apt-get install chromium` (Debian/Ubuntu), or set MEDSSL_CHROMIUM to a Chrome/Chromium binary.',
    );
  }
  return found;
}

/** plotly.js bundle shipped by plotly.js-dist (resolved through node's resolver from the project root). */
export function plotlyBundlePath(): string {
  const req = createRequire(path.join(ROOT, 'package.json'));
  return req.resolve('plotly.js-dist');
}

let browser: Promise<Browser> | null = null;
let page: Promise<Page> | null = null;
let hooked = false;

// Handles (child process, pipes) that belong to the browser: ref'd while a render is in flight, unref'd when
// idle, so an idle browser never keeps a finished script alive (then `beforeExit` closes it).
type Handle = { ref?: () => void; unref?: () => void };
let browserHandles: Handle[] = [];
let busy = 0;
const activeHandles = (): Handle[] =>
  (process as unknown as { _getActiveHandles?: () => Handle[] })._getActiveHandles?.() ?? [];

async function launch(): Promise<Browser> {
  const before = new Set(activeHandles());
  const b = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true });
  browserHandles = activeHandles().filter((h) => !before.has(h) && typeof h.unref === 'function');
  if (!hooked) {
    hooked = true;
    // Close when the event loop drains (scripts): the browser's pipes are unref'd while idle (withBrowser),
    // so it cannot keep the process alive on its own. In a notebook kernel the browser lives as long as the kernel.
    process.once('beforeExit', () => void closeBrowser());
  }
  return b;
}

/** Run `fn` with the browser's handles ref'd (the process waits for it), unref them when nothing is in flight. */
export async function withBrowser<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  busy++;
  try {
    const p = await plotlyPage();
    for (const h of browserHandles) h.ref?.();
    return await fn(p);
  } finally {
    if (--busy === 0) for (const h of browserHandles) h.unref?.();
  }
}

/**
 * Rectangle tests for renderFigure's label checks, defined once in the page. Plain JavaScript in a string: functions
 * written in TypeScript and passed to page.evaluate would be wrapped in tsx's __name(), which the page lacks.
 *   overlap(a, b): two boxes share more than a pixel each way;  outside(r, box, tol): r reaches past box by > tol.
 */
const PAGE_GEOMETRY = `window.medsslBoxes = {
  overlap: (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1,
  outside: (r, box, tol) => r.left < box.left - tol || r.right > box.right + tol || r.top < box.top - tol || r.bottom > box.bottom + tol,
};`;

/** A page with plotly.js loaded, shared by all renders in this process. */
export async function plotlyPage(): Promise<Page> {
  if (!page) {
    browser ??= launch();
    page = (async () => {
      const b = await browser!;
      const p = await b.newPage();
      await p.setContent('<!doctype html><html><body style="margin:0"><div id="fig"></div></body></html>');
      await p.addScriptTag({ path: plotlyBundlePath() });
      await p.addScriptTag({ content: PAGE_GEOMETRY });
      return p;
    })();
    page.catch(() => {
      page = null;
      browser = null;
    });
  }
  return page;
}

/** Close the shared browser (idempotent). Scripts call it at the end; it also runs on `beforeExit`. */
export async function closeBrowser(): Promise<void> {
  const b = browser;
  browser = null;
  page = null;
  for (const h of browserHandles) h.ref?.(); // keep the process up until the browser has closed
  browserHandles = [];
  if (b) {
    try {
      await (await b).close();
    } catch {
      /* already gone */
    }
  }
}
