// A montage PNG of a few images per class (one row per class, class name on the left), for looking at a dataset.
import sharp from 'sharp';
import { Rng } from '../util/rng';
import type { ImageSet } from './load';

export interface MontageOptions {
  perClass?: number;
  /** Which split to draw from (default train). */
  split?: 'train' | 'val' | 'test';
  seed?: number;
  /** Pixels per image in the montage (images are upscaled with nearest neighbour so pixels stay visible). */
  cell?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** PNG bytes of the montage, and which image indices it shows (row = class). */
export async function montagePng(set: ImageSet, opts: MontageOptions = {}): Promise<{ png: Buffer; indices: number[][] }> {
  const k = opts.perClass ?? 8;
  const cell = opts.cell ?? Math.max(set.size, 64);
  const gap = 2;
  const labelW = 180;
  const rng = new Rng(opts.seed ?? 0);
  const pool = set.splits[opts.split ?? 'train'];
  const indices = set.classNames.map((_, c) => rng.shuffle(pool.filter((i) => set.labels[i] === c)).slice(0, k));
  const W = labelW + k * (cell + gap);
  const H = set.numClasses * (cell + gap);
  const px = set.size * set.size * 3;
  const layers: NonNullable<Parameters<ReturnType<typeof sharp>["composite"]>[0]> = [];
  for (let c = 0; c < indices.length; c++) {
    for (let j = 0; j < indices[c].length; j++) {
      const i = indices[c][j];
      const img = await sharp(Buffer.from(set.images.subarray(i * px, (i + 1) * px)), { raw: { width: set.size, height: set.size, channels: 3 } })
        .resize(cell, cell, { kernel: 'nearest' })
        .png()
        .toBuffer();
      layers.push({ input: img, left: labelW + j * (cell + gap), top: c * (cell + gap) });
    }
    const name = `${c}: ${set.classNames[c]}`;
    const count = `${pool.filter((i) => set.labels[i] === c).length} in ${opts.split ?? 'train'}`;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW}" height="${cell}"><g font-family="sans-serif" font-size="12" fill="#222">` +
      `<text x="6" y="${cell / 2 - 2}">${escapeXml(name.length > 27 ? name.slice(0, 26) + '…' : name)}</text>` +
      `<text x="6" y="${cell / 2 + 13}" fill="#666">${escapeXml(count)}</text></g></svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top: c * (cell + gap) });
  }
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(layers)
    .png()
    .toBuffer();
  return { png, indices };
}
