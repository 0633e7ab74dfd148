// Heat-map overlays: a jet-like colour map blended over the image, written as PNG with sharp.
//
// Colour map: the classic piecewise-linear "jet" (dark blue → blue → cyan → yellow → red → dark red):
//   r = clamp(1.5 − |4t − 3|), g = clamp(1.5 − |4t − 2|), b = clamp(1.5 − |4t − 1|),  t ∈ [0, 1].
// Blend: out = (1 − α·m)·image + α·m·jet(t) per pixel, with m = 1 (plain alpha blend, default) or m = t
// (`weightByHeat`: cold areas keep the image).
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic';

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Jet colour of t ∈ [0, 1] as [r, g, b] in 0…255. */
export function jet(t: number): [number, number, number] {
  const x = clamp01(t);
  return [
    Math.round(255 * clamp01(1.5 - Math.abs(4 * x - 3))),
    Math.round(255 * clamp01(1.5 - Math.abs(4 * x - 2))),
    Math.round(255 * clamp01(1.5 - Math.abs(4 * x - 1))),
  ];
}

/** Bilinear resize of a single-channel h×w map to H×W (half-pixel centres, like tf.image.resizeBilinear). */
export function resizeMap(map: ArrayLike<number>, h: number, w: number, H: number, W: number): Float32Array {
  if (map.length !== h * w) throw new Error(`resizeMap: ${map.length} values for ${h}×${w}`);
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(Math.max((y + 0.5) * (h / H) - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(Math.max((x + 0.5) * (w / W) - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bot = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[y * W + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

export interface OverlayImage {
  /** H×W×channels row-major; uint8 (0–255) or float in [0, 1]. channels 1 or 3. */
  data: ArrayLike<number>;
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface OverlayOptions {
  /** Heat-map opacity (default 0.45). */
  alpha?: number;
  /** Scale the opacity by the heat value so cold regions show the image (default false). */
  weightByHeat?: boolean;
  /** Heat-map size when it differs from the image's (it is resized bilinearly). */
  heatHeight?: number;
  heatWidth?: number;
}

/** Blend a heat map (values in [0, 1]) over an image; returns H×W×3 uint8 RGB. */
export function overlayHeatmap(image: OverlayImage, heat: ArrayLike<number>, o: OverlayOptions = {}): Uint8Array {
  const { height: H, width: W, channels: ch } = image;
  if (image.data.length !== H * W * ch)
    throw new Error(`overlay: image has ${image.data.length} values for ${H}×${W}×${ch}`);
  const hh = o.heatHeight ?? H;
  const hw = o.heatWidth ?? W;
  const t = hh === H && hw === W ? heat : resizeMap(heat, hh, hw, H, W);
  if (t.length !== H * W) throw new Error(`overlay: heat map has ${t.length} values for ${H}×${W}`);
  const alpha = o.alpha ?? 0.45;
  // float images in [0,1] vs uint8: decide from the typed array / max value
  let isUnit = !(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray);
  if (isUnit) {
    let mx = 0;
    for (let i = 0; i < image.data.length; i++) if (image.data[i] > mx) mx = image.data[i];
    isUnit = mx <= 1;
  }
  const scale = isUnit ? 255 : 1;
  const out = new Uint8Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    const v = clamp01(t[p]);
    const col = jet(v);
    const a = o.weightByHeat ? alpha * v : alpha;
    for (let c = 0; c < 3; c++) {
      const src = image.data[p * ch + (ch === 1 ? 0 : c)] * scale;
      out[p * 3 + c] = Math.round(Math.min(255, Math.max(0, (1 - a) * src + a * col[c])));
    }
  }
  return out;
}

export interface PngOptions extends OverlayOptions {
  /** Integer up-scaling of the written PNG (nearest neighbour; e.g. 4 for 28-px images). Default 1. */
  scale?: number;
}

/** Overlay as a PNG buffer (e.g. for a notebook's display). */
export async function overlayPng(image: OverlayImage, heat: ArrayLike<number>, o: PngOptions = {}): Promise<Buffer> {
  const rgb = overlayHeatmap(image, heat, o);
  let img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  const s = o.scale ?? 1;
  if (s !== 1) img = img.resize(image.width * s, image.height * s, { kernel: 'nearest' });
  return img.png().toBuffer();
}

/** Write the overlay PNG to `file` (parent folders created). Returns the file path. */
export async function writeOverlayPng(
  file: string,
  image: OverlayImage,
  heat: ArrayLike<number>,
  o: PngOptions = {},
): Promise<string> {
  writeFileAtomic(file, await overlayPng(image, heat, o));
  return file;
}
