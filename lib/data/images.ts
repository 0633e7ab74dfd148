// Pixel work on whole image arrays with sharp (libvips): JPEG decode, resize, grey → RGB.
// sharp runs each call on libuv's thread pool, so we keep a bounded number of calls in flight at once.
import sharp from 'sharp';

/** Images in flight per Promise.all batch: enough to keep the thread pool busy, bounded for memory. */
const BATCH = 512;

async function inBatches(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  for (let s = 0; s < n; s += BATCH) {
    const jobs: Promise<void>[] = [];
    for (let i = s; i < Math.min(n, s + BATCH); i++) jobs.push(fn(i));
    await Promise.all(jobs);
  }
}

/**
 * Decode JPEGs stored end to end (`bytes[offsets[i]:offsets[i+1]]`), each `expectSize` square, to NHWC uint8 RGB,
 * resized to `resizeTo` in the same sharp call when given (one call per image instead of two: the per-call cost
 * dominates for 32 px images). Grey JPEGs come back as RGB by channel copy. `where` names the file in errors.
 */
export async function decodeJpegBytes(bytes: Uint8Array, offsets: ArrayLike<number>, expectSize: number, where: string, resizeTo?: number): Promise<Uint8Array> {
  const n = offsets.length - 1;
  const outSize = resizeTo ?? expectSize;
  const px = outSize * outSize * 3;
  const out = new Uint8Array(n * px);
  await inBatches(n, async (i) => {
    const a = Number(offsets[i]);
    const b = Number(offsets[i + 1]);
    if (!(b > a) || b > bytes.length) throw new Error(`${where}: bad offsets for image ${i} (${a}..${b}, ${bytes.length} bytes of JPEG data)`);
    let res: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      const img = sharp(bytes.subarray(a, b));
      if (resizeTo !== undefined && resizeTo !== expectSize) {
        // Check the stored size from the header before resizing, so a wrong-sized image is still an error.
        const dim = jpegSize(bytes.subarray(a, b));
        if (!dim || dim[0] !== expectSize || dim[1] !== expectSize) throw new Error(`is ${dim ? dim.join('×') : 'of unknown size'}, expected ${expectSize}×${expectSize}`);
        img.resize(resizeTo, resizeTo, { fit: 'fill' });
      }
      res = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new Error(`${where}: image ${i} is not a decodable JPEG of the stored size (${(e as Error).message})`, { cause: e });
    }
    const { data, info } = res;
    if (info.width !== outSize || info.height !== outSize) {
      throw new Error(`${where}: image ${i} is ${info.width}×${info.height}, expected ${outSize}×${outSize}`);
    }
    if (info.channels === 3) out.set(data, i * px);
    else if (info.channels === 1) greyToRgbInto(data, out, i * px);
    else throw new Error(`${where}: image ${i} decoded to ${info.channels} channels`);
  });
  return out;
}

/** [width, height] from a JPEG's start-of-frame marker, or null if none is found. */
export function jpegSize(b: Uint8Array): [number, number] | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let p = 2;
  while (p + 9 < b.length) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [(b[p + 7] << 8) | b[p + 8], (b[p + 5] << 8) | b[p + 6]];
    p += 2 + len;
  }
  return null;
}

/** Copy a single-channel image into RGB at `out[offset...]`. */
function greyToRgbInto(grey: Uint8Array, out: Uint8Array, offset: number): void {
  for (let p = 0, q = offset; p < grey.length; p++, q += 3) {
    const v = grey[p];
    out[q] = v;
    out[q + 1] = v;
    out[q + 2] = v;
  }
}

/** (N, H, W) grey → (N, H, W, 3) by channel copy. */
export function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  greyToRgbInto(grey, out, 0);
  return out;
}

/**
 * Resize every image of an NHWC uint8 array (channels 1 or 3) from `from`×`from` to `to`×`to` with sharp's default
 * kernel (Lanczos-3, as PIL's LANCZOS used to build the files). Channels are preserved.
 */
export async function resizeImages(pixels: Uint8Array, n: number, from: number, to: number, channels: 1 | 3): Promise<Uint8Array> {
  if (from === to) return pixels;
  const inPx = from * from * channels;
  const outPx = to * to * channels;
  const out = new Uint8Array(n * outPx);
  await inBatches(n, async (i) => {
    const { data, info } = await sharp(pixels.subarray(i * inPx, (i + 1) * inPx), { raw: { width: from, height: from, channels } })
      .resize(to, to, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels === channels) out.set(data, i * outPx);
    else if (info.channels === 3 && channels === 1) {
      for (let p = 0; p < to * to; p++) out[i * outPx + p] = data[p * 3];
    } else throw new Error(`resizeImages: sharp returned ${info.channels} channels for ${channels}-channel input`);
  });
  return out;
}

/** Encode an RGB uint8 image as PNG (used by montages). */
export async function rgbToPng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
