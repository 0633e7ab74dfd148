// Training kernels for @tensorflow/tfjs-backend-wasm 4.22 (registered by registerWasmTrainingKernels()).
//
// The wasm backend ships no Conv2DBackpropFilter / DepthwiseConv2dNativeBackpropInput / ...BackpropFilter, its
// MaxPoolGrad returns wrong gradients, and several of its kernels are scalar loops (Conv2DBackpropInput, Tile,
// Reverse, GatherV2, StridedSlice, 5-/6-D Slice and Pad; see ../../../shared/ENVIRONMENT.md). Registered here:
//   Conv2DBackpropFilter      1×1: one matMul; else one XNNPACK conv with batch and channels swapped
//   Conv2DBackpropInput       stride 1: XNNPACK conv with the flipped filter; stride s: s² phase convs (no zeros)
//   DepthwiseConv2dNativeBackpropInput / ...Filter   XNNPACK depthwise convs (batch folded into channels for dW)
//   MaxPoolGrad (override)    phase-split, first-maximum routing like the cpu backend
//   Sum, Mean (override)      N·H·W reductions through XNNPACK average pooling
//   Identity (override)       shares data instead of copying (tfjs clones every tensor saved for backprop)
//   FusedBatchNorm gradient   same math without Tile (a gradient, so it applies to every backend)
//   CropAndResize (override)  'nearest' as TensorFlow and the cpu backend compute it (wasm's picks the pixel
//                             before when a sample point lands a rounding error below an integer)
// Composed kernels use only kernels that wasm runs fast, nothing is read back to JS. They run inside `tf.tidy`
// and return a Tensor; the engine accepts that (it does for tfjs-node) and records no tape for the nested ops,
// because they run at kernel depth > 0.
import * as tf from '@tensorflow/tfjs';
// Imported first so that its own kernel registrations happen before our overrides.
import '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs } from './kernel-args';

type Pads = [[number, number], [number, number], [number, number], [number, number]];

const BACKEND = 'wasm';

/** Inputs reach kernels as Tensors when called through ops; wrap bare TensorInfos just in case. */
function asTensor<R extends tf.Rank = tf.Rank.R4>(t: tf.TensorInfo | undefined): tf.Tensor<R> {
  if (t == null) throw new Error('medssl wasm kernel: missing input');
  if (t instanceof tf.Tensor) return t as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(t) as tf.Tensor<R>;
}

function pair(v: number | number[] | undefined, dflt = 1): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

/**
 * Insert s-1 zeros between rows/columns of x (NHWC), keeping `rows`×`cols` of the result. Used to turn a strided
 * gradient into a stride-1 convolution. Built from reshape + pad + slice (wasm's strided slice is slow).
 */
function zeroInsert(x: tf.Tensor4D, sh: number, sw: number, rows: number, cols: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  // Rank ≤ 4 pads only: wasm's 5-/6-D pad and slice are 10–300× slower than its 4-D ones.
  if (sw > 1) {
    y = tf.reshape(
      tf.pad(tf.reshape(y, [n * h, w, 1, c]), [
        [0, 0],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]),
      [n, h, w * sw, c],
    );
  }
  if (sh > 1) {
    const w2 = y.shape[2];
    y = tf.reshape(
      tf.pad(tf.reshape(y, [n, h, 1, w2 * c]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ]),
      [n, h * sh, w2, c],
    );
  }
  return fitRowsCols(y, rows, cols);
}

/** Crop or zero-pad at the bottom/right so x has exactly rows×cols spatially. */
function fitRowsCols(x: tf.Tensor4D, rows: number, cols: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (h > rows || w > cols) y = tf.slice(y, [0, 0, 0, 0], [n, Math.min(h, rows), Math.min(w, cols), c]);
  if (h < rows || w < cols)
    y = tf.pad(y, [
      [0, 0],
      [0, Math.max(0, rows - h)],
      [0, Math.max(0, cols - w)],
      [0, 0],
    ]);
  return y;
}

/**
 * Rows `idx` of the [k, m] matrix v, in that order, as one XNNPACK matMul with a 0/1 selection matrix (exact for
 * finite values). wasm's Reverse, GatherV2, StridedSlice and Slice are scalar loops (≈10–40 ns per element), and
 * filters are re-arranged on every backward pass.
 */
function selectRows(v: tf.Tensor2D, idx: number[]): tf.Tensor2D {
  const k = v.shape[0];
  const sel = new Float32Array(idx.length * k);
  idx.forEach((r, i) => (sel[i * k + r] = 1));
  return tf.matMul(tf.tensor2d(sel, [idx.length, k]), v);
}

/** Flip a filter [fh,fw,a,b] in both spatial axes (= reverse its fh·fw taps). */
function flipHW(f: tf.Tensor4D): tf.Tensor4D {
  const [fh, fw, a, b] = f.shape;
  const k = fh * fw;
  if (k === 1) return f;
  const idx = Array.from({ length: k }, (_, i) => k - 1 - i);
  return tf.reshape(selectRows(tf.reshape(f, [k, a * b]), idx), [fh, fw, a, b]) as tf.Tensor4D;
}

/** The sub-filter W[a + sh·t, b + sw·u], flipped in both spatial axes. */
function subFilterFlipped(f: tf.Tensor4D, a: number, b: number, sh: number, sw: number): tf.Tensor4D {
  const [fh, fw, ci, co] = f.shape;
  const rowsIdx: number[] = [];
  for (let i = a; i < fh; i += sh) rowsIdx.push(i);
  const colsIdx: number[] = [];
  for (let j = b; j < fw; j += sw) colsIdx.push(j);
  const idx: number[] = [];
  for (const i of [...rowsIdx].reverse()) for (const j of [...colsIdx].reverse()) idx.push(i * fw + j);
  return tf.reshape(selectRows(tf.reshape(f, [fh * fw, ci * co]), idx), [
    rowsIdx.length,
    colsIdx.length,
    ci,
    co,
  ]) as tf.Tensor4D;
}

/** Interleave s×s phase images P[a][b] [n,U,V,c] into [n, s·U, s·V, c] (out[s·u+a, s·v+b] = P[a][b][u,v]). */
function interleavePhases(p: tf.Tensor4D[][], sh: number, sw: number): tf.Tensor4D {
  const [n, u, v, c] = p[0][0].shape;
  const rowsOf = p.map((row) =>
    sw === 1
      ? row[0]
      : tf.reshape(
          tf.concat(
            row.map((q) => tf.reshape(q, [n * u * v, 1, c])),
            1,
          ),
          [n, u, v * sw, c],
        ),
  );
  if (sh === 1) return rowsOf[0] as tf.Tensor4D;
  return tf.reshape(
    tf.concat(
      rowsOf.map((q) => tf.reshape(q, [n * u, 1, v * sw * c])),
      1,
    ),
    [n, u * sh, v * sw, c],
  ) as tf.Tensor4D;
}

/**
 * [N,H,W,C] → [C,H,W,N] as a 2-D transpose [N, HWC] → [HWC, N] followed by swapping the two leading axes of
 * [HW, C, N] (which moves N-long runs): about 2× faster on wasm than one 4-D permutation.
 */
function swapBatchChannels(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const t = tf.reshape(tf.transpose(tf.reshape(x, [n, h * w * c])), [h * w, c, n]);
  return tf.reshape(tf.transpose(t, [1, 0, 2]), [c, h, w, n]) as tf.Tensor4D;
}

/**
 * Stride-1 convolution of x with explicit (possibly negative) paddings: negative pads crop the input first.
 * `depthwise` picks depthwiseConv2d. Dilation d applies to the filter.
 */
function conv1(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  pt: number,
  pb: number,
  pl: number,
  pr: number,
  dil: [number, number],
  depthwise: boolean,
): tf.Tensor4D {
  let xx = x;
  if (pt < 0 || pb < 0 || pl < 0 || pr < 0) {
    const [n, h, w, c] = x.shape;
    const t = Math.max(0, -pt),
      b = Math.max(0, -pb),
      l = Math.max(0, -pl),
      r = Math.max(0, -pr);
    xx = tf.slice(x, [0, t, l, 0], [n, h - t - b, w - l - r, c]);
    pt = Math.max(0, pt);
    pb = Math.max(0, pb);
    pl = Math.max(0, pl);
    pr = Math.max(0, pr);
  }
  const pads: Pads = [
    [0, 0],
    [pt, pb],
    [pl, pr],
    [0, 0],
  ];
  const anyPad = pt + pb + pl + pr > 0;
  const pad = anyPad ? pads : 'valid';
  return depthwise ? tf.depthwiseConv2d(xx, f, 1, pad, 'NHWC', dil) : tf.conv2d(xx, f, 1, pad, 'NHWC', dil);
}

interface ConvGeom {
  n: number;
  h: number;
  w: number;
  ci: number;
  fh: number;
  fw: number;
  co: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
}

function geom(
  xShape: number[],
  filterShape: number[],
  strides: number | number[],
  dilations: number | number[] | undefined,
  pad: unknown,
  dimRoundingMode: unknown,
  depthwise: boolean,
): ConvGeom {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides),
    pair(dilations),
    pad as 'same',
    dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    co: info.outChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Conv2D gradients

/**
 * dx of a 2-D convolution: a stride-1 XNNPACK convolution of the zero-inserted dy with the spatially flipped,
 * in/out-swapped filter. Exported so tests can run it on any backend.
 */
export function conv2dBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: number[],
  strides: number | number[],
  pad: unknown,
  dimRoundingMode?: unknown,
  dilations?: number | number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geom(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, false);
    if (g.fh === 1 && g.fw === 1 && g.pt === 0 && g.pl === 0) {
      // 1×1: dX at the sampled positions is dy·Wᵀ (one matMul), scattered back by zero insertion.
      const wT = tf.transpose(tf.reshape(filter, [g.ci, g.co])); // [Co,Ci]
      const d = tf.reshape(tf.matMul(tf.reshape(dy, [g.n * g.oh * g.ow, g.co]), wT), [
        g.n,
        g.oh,
        g.ow,
        g.ci,
      ]) as tf.Tensor4D;
      return zeroInsert(d, g.sh, g.sw, g.h, g.w);
    }
    if ((g.sh > 1 || g.sw > 1) && g.dh === 1 && g.dw === 1 && g.fh >= g.sh && g.fw >= g.sw) {
      return conv2dBackpropInputPhases(dy, filter, g);
    }
    const L = (g.oh - 1) * g.sh + 1;
    const M = (g.ow - 1) * g.sw + 1;
    const dyz = zeroInsert(dy, g.sh, g.sw, L, M);
    const wf = tf.transpose(flipHW(filter), [0, 1, 3, 2]) as tf.Tensor4D;
    const ekh = (g.fh - 1) * g.dh,
      ekw = (g.fw - 1) * g.dw;
    const pt = ekh - g.pt,
      pl = ekw - g.pl;
    const pb = g.h - L - pt + ekh,
      pr = g.w - M - pl + ekw;
    return conv1(dyz, wf, pt, pb, pl, pr, [g.dh, g.dw], false);
  });
}

/**
 * Strided dX without zero insertion (which would spend sh·sw× the FLOPs on zeros): padded-input row r = s·u + a
 * receives dy[u − t]·W[a + s·t], a full convolution of dy with the sub-filter W[a::sh, b::sw]. Each of the sh·sw
 * phases is one stride-1 XNNPACK conv of dy; the phase images are interleaved and the padding cropped.
 */
function conv2dBackpropInputPhases(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  const U = Math.ceil((g.pt + g.h) / g.sh),
    V = Math.ceil((g.pl + g.w) / g.sw); // phase image size
  const phases: tf.Tensor4D[][] = [];
  for (let a = 0; a < g.sh; a++) {
    const row: tf.Tensor4D[] = [];
    const ta = Math.ceil((g.fh - a) / g.sh);
    for (let b = 0; b < g.sw; b++) {
      const tb = Math.ceil((g.fw - b) / g.sw);
      const wf = tf.transpose(subFilterFlipped(filter, a, b, g.sh, g.sw), [0, 1, 3, 2]) as tf.Tensor4D; // [ta,tb,Co,Ci]
      // full convolution: pad ta-1 on top; output rows U ⇒ bottom pad U - oh
      row.push(conv1(dy, wf, ta - 1, U - g.oh, tb - 1, V - g.ow, [1, 1], false));
    }
    phases.push(row);
  }
  const dxp = interleavePhases(phases, g.sh, g.sw); // padded frame [n, sh·U, sw·V, Ci]
  return padTo(dxp, -g.pt, -g.pl, g.h, g.w, 0);
}

/**
 * dW of a 2-D convolution (dilation 1). 1×1 stride-1 filters: one matMul over the flattened batch. Otherwise one
 * XNNPACK convolution with batch and channels swapped: input x^T [Ci,H,W,N], "filter" dy^T [oh,ow,N,Co],
 * dilation = the forward stride; the output [Ci,fh,fw,Co] is transposed to [fh,fw,Ci,Co].
 */
export function conv2dBackpropFilterImpl(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: number[],
  strides: number | number[],
  pad: unknown,
  dimRoundingMode?: unknown,
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geom(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
    if (g.fh === 1 && g.fw === 1 && g.pt === 0 && g.pl === 0) {
      // 1×1: dW = Xsᵀ·dY over the sampled positions (transpose first: wasm's transposed matMul is not XNNPACK).
      const xs =
        g.sh === 1 && g.sw === 1 && g.oh === g.h && g.ow === g.w ? x : stridedWindow(x, 0, 0, g.oh, g.ow, g.sh, g.sw);
      // XNNPACK packs the right operand as "weights" on every call: make it the narrower of the two.
      const m = g.n * g.oh * g.ow;
      if (g.ci < g.co) {
        const d2T = tf.transpose(tf.reshape(dy, [m, g.co]));
        return tf.reshape(tf.transpose(tf.matMul(d2T, tf.reshape(xs, [m, g.ci]))), [1, 1, g.ci, g.co]) as tf.Tensor4D;
      }
      const x2 = tf.transpose(tf.reshape(xs, [m, g.ci]));
      const d2 = tf.reshape(dy, [m, g.co]);
      return tf.reshape(tf.matMul(x2, d2), [1, 1, g.ci, g.co]) as tf.Tensor4D;
    }
    const xt = swapBatchChannels(x); // [Ci,H,W,N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh,ow,N,Co]
    // Output row r (0..fh-1) reads input rows r - pt + k*sh, k < oh. Needed padded height: (fh-1) + (oh-1)*sh + 1.
    const pb = g.fh - 1 + (g.oh - 1) * g.sh + 1 - g.h - g.pt;
    const pr = g.fw - 1 + (g.ow - 1) * g.sw + 1 - g.w - g.pl;
    const out = conv1(xt, dyt, g.pt, pb, g.pl, pr, [g.sh, g.sw], false); // [Ci,fh,fw,Co]
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Depthwise gradients

export function depthwiseBackpropInputImpl(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: number[],
  strides: number | number[],
  pad: unknown,
  dimRoundingMode?: unknown,
  dilations?: number | number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geom(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
    const m = filter.shape[3];
    const c = filter.shape[2];
    const L = (g.oh - 1) * g.sh + 1;
    const M = (g.ow - 1) * g.sw + 1;
    const dyz = zeroInsert(dy, g.sh, g.sw, L, M); // [N,L,M,C*m]
    const ekh = (g.fh - 1) * g.dh,
      ekw = (g.fw - 1) * g.dw;
    const pt = ekh - g.pt,
      pl = ekw - g.pl;
    const pb = g.h - L - pt + ekh,
      pr = g.w - M - pl + ekw;
    const wf = tf.reshape(flipHW(filter), [g.fh, g.fw, c * m, 1]) as tf.Tensor4D;
    const out = conv1(dyz, wf, pt, pb, pl, pr, [g.dh, g.dw], true); // [N,H,W,C*m]
    if (m === 1) return out;
    return tf.sum(tf.reshape(out, [g.n, g.h, g.w, c, m]), 4) as tf.Tensor4D;
  });
}

/**
 * dW of a depthwise convolution as one depthwise convolution with batch folded into channels: input x laid out
 * [1,H,W,C·N], "filter" dy laid out [oh,ow,C·N,m], dilation = forward stride; output [1,fh,fw,C·N·m] summed over N.
 */
export function depthwiseBackpropFilterImpl(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: number[],
  strides: number | number[],
  pad: unknown,
  dimRoundingMode?: unknown,
  dilations?: number | number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geom(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
    const [fh, fw, c, m] = filterShape;
    if (g.dh !== 1 || g.dw !== 1) return depthwiseBackpropFilterTaps(x, dy, g, c, m);
    // [N, H·W·C] → [H·W·C, N] is a plain 2-D transpose (about 1.3–2.7× faster on wasm than the 4-D permutation)
    const xt = tf.reshape(tf.transpose(tf.reshape(x, [g.n, g.h * g.w * c])), [1, g.h, g.w, c * g.n]) as tf.Tensor4D;
    const dyt = tf.reshape(tf.transpose(tf.reshape(dy, [g.n, g.oh, g.ow, c, m]), [1, 2, 3, 0, 4]), [
      g.oh,
      g.ow,
      c * g.n,
      m,
    ]) as tf.Tensor4D;
    const pb = fh - 1 + (g.oh - 1) * g.sh + 1 - g.h - g.pt;
    const pr = fw - 1 + (g.ow - 1) * g.sw + 1 - g.w - g.pl;
    const out = conv1(xt, dyt, g.pt, pb, g.pl, pr, [g.sh, g.sw], true); // [1,fh,fw,C*N*m]
    return tf.sum(tf.reshape(out, [fh, fw, c, g.n, m]), 3) as tf.Tensor4D;
  });
}

/** Fallback (dilated depthwise): one multiply-and-sum per filter tap. */
function depthwiseBackpropFilterTaps(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom, c: number, m: number): tf.Tensor4D {
  const rows = (g.fh - 1) * g.dh + (g.oh - 1) * g.sh + 1;
  const cols = (g.fw - 1) * g.dw + (g.ow - 1) * g.sw + 1;
  const xp = padTo(x, g.pt, g.pl, rows, cols, 0);
  const dy5 = tf.reshape(dy, [g.n, g.oh, g.ow, c, m]);
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < g.fh; i++) {
    for (let j = 0; j < g.fw; j++) {
      const win = stridedWindow(xp, i * g.dh, j * g.dw, g.oh, g.ow, g.sh, g.sw); // [N,oh,ow,C]
      taps.push(tf.sum(tf.mul(tf.expandDims(win, 4), dy5), [0, 1, 2])); // [C,m]
    }
  }
  return tf.reshape(tf.stack(taps), [g.fh, g.fw, c, m]) as tf.Tensor4D;
}

/**
 * Place x at offset (top, left) in a rows×cols frame filled with `value`: positive offsets/margins pad, negative
 * ones crop.
 */
function padTo(x: tf.Tensor4D, top: number, left: number, rows: number, cols: number, value: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const bottom = rows - h - top,
    right = cols - w - left;
  const ct = Math.max(0, -top),
    cl = Math.max(0, -left),
    cb = Math.max(0, -bottom),
    cr = Math.max(0, -right);
  let y = x;
  if (ct || cl || cb || cr) y = tf.slice(y, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
  const pt = Math.max(0, top),
    pl = Math.max(0, left),
    pb = Math.max(0, bottom),
    pr = Math.max(0, right);
  if (pt || pl || pb || pr)
    y = tf.pad(
      y,
      [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      value,
    );
  return y;
}

/** x[:, r0 + k*sh, c0 + l*sw, :] for k < oh, l < ow, via slice + reshape (no strided slice). */
function stridedWindow(
  x: tf.Tensor4D,
  r0: number,
  c0: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (sh === 1 && sw === 1) return tf.slice(x, [0, r0, c0, 0], [n, oh, ow, c]);
  // rows r0 .. r0 + oh*sh - 1 may run past the end by up to sh-1: pad first.
  const needR = r0 + oh * sh,
    needC = c0 + ow * sw;
  const xp =
    needR > h || needC > w
      ? tf.pad(x, [
          [0, 0],
          [0, Math.max(0, needR - h)],
          [0, Math.max(0, needC - w)],
          [0, 0],
        ])
      : x;
  const s = tf.slice(xp, [0, r0, c0, 0], [n, oh * sh, ow * sw, c]);
  // [n·oh, sh, ow, sw·c] → keep row phase 0 and the first c of each sw·c group (a 4-D slice; 6-D is very slow)
  const s4 = tf.reshape(s, [n * oh, sh, ow, sw * c]);
  return tf.reshape(tf.slice(s4, [0, 0, 0, 0], [n * oh, 1, ow, c]), [n, oh, ow, c]);
}

// ---------------------------------------------------------------------------------------------------------------
// Max-pool gradient (wasm's own drops gradient for some windows when batch×channels > 1)

/**
 * dx of max pooling, routing each window's gradient to the first maximal element in row-major window order (as
 * the cpu backend does, which matters for ties such as ReLU zeros).
 *
 * The padded input is split once into its sh×sw stride phases; every filter tap is then a plain offset slice of
 * one phase. A running "unclaimed gradient" r starts as dy; per tap, since window ≤ y, r' = r·step(y − window)
 * keeps r where this tap is not a maximum, and c = r − r' goes to the tap, so only the first maximum receives it
 * (arithmetic only: wasm's comparisons and select are ~6× slower than XNNPACK's sub/mul). Each c is padded into
 * its phase's accumulator, and the phases are interleaved back at the end. Only rank ≤ 4 slices/pads are used.
 */
export function maxPoolGradImpl(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  filterSize: number | number[],
  strides: number | number[],
  pad: unknown,
  dimRoundingMode?: unknown,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(
      x.shape,
      pair(filterSize),
      pair(strides),
      1,
      pad as 'same',
      dimRoundingMode as 'floor' | undefined,
    );
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const fh = info.effectiveFilterHeight,
      fw = info.effectiveFilterWidth;
    const pt = info.padInfo.top,
      pl = info.padInfo.left;
    const [n, h, w, c] = x.shape;
    const ph = oh + Math.floor((fh - 1) / sh),
      pw = ow + Math.floor((fw - 1) / sw); // phase image size
    const rows = sh * ph,
      cols = sw * pw;
    const xp = padTo(x, pt, pl, rows, cols, -Infinity);
    const rowPhase = new Map<number, tf.Tensor>();
    const phase = (a: number, b: number): tf.Tensor4D => {
      if (!rowPhase.has(a)) {
        rowPhase.set(
          a,
          sh > 1 ? tf.slice(tf.reshape(xp, [n * ph, sh, cols * c]), [0, a, 0], [n * ph, 1, cols * c]) : xp,
        );
      }
      let t = rowPhase.get(a)!;
      if (sw > 1) t = tf.slice(tf.reshape(t, [n * ph * pw, sw, c]), [0, b, 0], [n * ph * pw, 1, c]);
      return tf.reshape(t, [n, ph, pw, c]) as tf.Tensor4D;
    };
    const phases = new Map<string, tf.Tensor4D>();
    const acc = new Map<string, tf.Tensor4D>();
    let remaining: tf.Tensor4D = dy;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const a = i % sh,
          b = j % sw,
          di = Math.floor(i / sh),
          dj = Math.floor(j / sw);
        const key = `${a},${b}`;
        if (!phases.has(key)) phases.set(key, phase(a, b));
        const win = tf.slice(phases.get(key)!, [0, di, dj, 0], [n, oh, ow, c]);
        const rest = tf.mul(remaining, tf.step(tf.sub(y, win), 0)) as tf.Tensor4D;
        const contrib = tf.sub(remaining, rest) as tf.Tensor4D;
        remaining = rest;
        const placed = tf.pad(contrib, [
          [0, 0],
          [di, ph - oh - di],
          [dj, pw - ow - dj],
          [0, 0],
        ]) as tf.Tensor4D;
        const prev = acc.get(key);
        acc.set(key, prev ? (tf.add(prev, placed) as tf.Tensor4D) : placed);
      }
    }
    const zerosPhase = () => tf.zeros([n, ph, pw, c]) as tf.Tensor4D;
    const grid = Array.from({ length: sh }, (_, a) =>
      Array.from({ length: sw }, (_, b) => acc.get(`${a},${b}`) ?? zerosPhase()),
    );
    const dxp = interleavePhases(grid, sh, sw);
    // back to the unpadded frame: drop (pt, pl), crop or zero-fill to h×w
    return padTo(dxp, -pt, -pl, h, w, 0);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions over N,H,W of NHWC (bias, batch-norm and moments gradients, BN statistics). wasm's Sum/Mean
// transpose the input so the reduced axes are innermost and then loop (and a ones-row matMul re-packs the whole
// activation as XNNPACK "weights"); XNNPACK's average pooling over the full H×W window reads it once with
// channels vectorised. The remaining [N,C] → [C] reduction is tiny. Everything else goes to wasm's own kernel.

function isNHWReduction(axis: unknown, shape: number[]): boolean {
  if (shape.length !== 4 || shape[1] * shape[2] <= 1) return false;
  const axes = tf.util
    .parseAxisParam(axis as number | number[], shape)
    .slice()
    .sort((p, q) => p - q);
  return axes.length === 3 && axes[0] === 0 && axes[1] === 1 && axes[2] === 2;
}

function reduceNHW(x: tf.Tensor4D, keepDims: boolean, mean: boolean): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const pooled = tf.reshape(tf.avgPool(x, [h, w], 1, 'valid'), [n, c]); // mean over H×W
    let r: tf.Tensor = tf.sum(pooled, 0); // [C]: wasm's own Sum (rank 2)
    r = tf.mul(r, mean ? 1 / n : h * w);
    return keepDims ? tf.reshape(r, [1, 1, 1, c]) : r;
  });
}

type AnyKernelConfig = tf.KernelConfig;

function reductionOverride(name: 'Sum' | 'Mean', orig: AnyKernelConfig): AnyKernelConfig {
  return {
    kernelName: name,
    backendName: BACKEND,
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: ((args: KernelArgs) => {
      const x = args.inputs.x as tf.TensorInfo;
      const at = a(args.attrs);
      if (x.dtype === 'float32' && isNHWReduction(at.axis, x.shape)) {
        return reduceNHW(asTensor(x), Boolean(at.keepDims), name === 'Mean');
      }
      return (orig.kernelFunc as unknown as (a: KernelArgs) => tf.TensorInfo)(args);
    }) as unknown as tf.KernelFunc,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Batch-norm gradient without Tile. tfjs-core's FusedBatchNorm gradient tiles rsqrt(var) to the full activation
// shape (wasm's Tile is a scalar loop: ~30 % of a ResNet step) and makes ~10 full-size passes. Same math with
// per-channel factors first: dx = dy·(γ·r), dmean = −γ·r·Σdy, dvar = −½γ·r³·Σdy(x−μ), dγ = r·Σdy(x−μ), dβ = Σdy.
// Gradients are registered per kernel for all backends, so this applies to cpu too (same values up to rounding).

let origBnGrad: tf.GradConfig | undefined;

/** tfjs-core's own FusedBatchNorm gradient (for tests), available after registerWasmTrainingKernels(). */
export function originalBatchNormGrad(): tf.GradConfig | undefined {
  return origBnGrad;
}

/** Register a gradient config, silencing tfjs's "Overriding the gradient" warning. */
export function setGradientQuietly(cfg: tf.GradConfig): void {
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.registerGradient(cfg);
  } finally {
    console.warn = warn;
  }
}

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const perChannel = (t: tf.Tensor | undefined) =>
      t == null || t.rank === 0 || tf.util.arraysEqual(t.shape, mean.shape);
    if (!perChannel(scale) || !tf.util.arraysEqual(variance.shape, mean.shape)) {
      return origBnGrad!.gradFunc(dy, saved, attrs);
    }
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const rs = tf.rsqrt(tf.add(variance, eps));
    const gr = scale == null ? rs : tf.mul(scale, rs);
    // Computed here, not memoised inside the thunks: each thunk runs in its own tidy, so a tensor cached by one
    // would be disposed before the next used it. Tensors made here live until the backward pass ends.
    const sumDy = tf.reshape(axes.length ? tf.sum(g, axes) : g, mean.shape);
    const dyXm = tf.mul(g, tf.sub(x, mean));
    const sumDyXm = tf.reshape(axes.length ? tf.sum(dyXm, axes) : dyXm, mean.shape);
    return {
      x: () => tf.mul(g, gr),
      mean: () => tf.neg(tf.mul(gr, sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(gr, tf.mul(rs, rs)), -0.5), sumDyXm),
      scale: () => tf.mul(rs, sumDyXm),
      offset: () => tf.clone(sumDy),
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// CropAndResize, method 'nearest'. wasm 4.22 picks the pixel below whenever a sample coordinate comes out a
// rounding error under an integer (crop box [1/5, 1/5, 4/5, 4/5] of a 6-px image gives rows 0.. instead of 1..),
// where TensorFlow (crop_and_resize_op.cc) and the cpu backend take round(coordinate). The TL arm's random crop
// (lib/pretrain/supervised.ts cropFlip) samples exactly such coordinates, so on wasm ~1/3 of its pixels came from
// a neighbour. This is TensorFlow's loop in JS (the tensors are small crops; 'bilinear' keeps wasm's kernel).

function cropAndResizeNearest(
  image: tf.Tensor4D,
  boxes: tf.Tensor2D,
  boxInd: tf.Tensor1D,
  cropSize: [number, number],
  extrapolationValue: number,
): tf.Tensor4D {
  const [batch, H, W, C] = image.shape;
  const [ch, cw] = cropSize;
  const n = boxes.shape[0];
  const img = image.dataSync() as Float32Array;
  const bx = boxes.dataSync() as Float32Array;
  const bi = boxInd.dataSync() as Int32Array;
  const out = new Float32Array(n * ch * cw * C); // boxes with an index outside the batch stay 0, as in tfjs cpu
  for (let b = 0; b < n; b++) {
    const [y1, x1, y2, x2] = [bx[4 * b], bx[4 * b + 1], bx[4 * b + 2], bx[4 * b + 3]];
    const k = bi[b];
    if (k >= batch) continue;
    const hs = ch > 1 ? ((y2 - y1) * (H - 1)) / (ch - 1) : 0;
    const ws = cw > 1 ? ((x2 - x1) * (W - 1)) / (cw - 1) : 0;
    for (let y = 0; y < ch; y++) {
      const yi = ch > 1 ? y1 * (H - 1) + y * hs : 0.5 * (y1 + y2) * (H - 1);
      for (let x = 0; x < cw; x++) {
        const xi = cw > 1 ? x1 * (W - 1) + x * ws : 0.5 * (x1 + x2) * (W - 1);
        const o = ((b * ch + y) * cw + x) * C;
        if (yi < 0 || yi > H - 1 || xi < 0 || xi > W - 1) {
          out.fill(extrapolationValue, o, o + C);
          continue;
        }
        const src = ((k * H + Math.round(yi)) * W + Math.round(xi)) * C;
        for (let c = 0; c < C; c++) out[o + c] = img[src + c];
      }
    }
  }
  return tf.tensor4d(out, [n, ch, cw, C]);
}

function cropAndResizeOverride(orig: AnyKernelConfig): AnyKernelConfig {
  return {
    kernelName: 'CropAndResize',
    backendName: BACKEND,
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: ((args: KernelArgs) => {
      const at = a(args.attrs);
      if (at.method !== 'nearest') return (orig.kernelFunc as unknown as (a: KernelArgs) => tf.TensorInfo)(args);
      const { image, boxes, boxInd } = args.inputs;
      return tf.tidy(() =>
        cropAndResizeNearest(
          tf.cast(asTensor(image), 'float32'),
          asTensor<tf.Rank.R2>(boxes),
          asTensor<tf.Rank.R1>(boxInd),
          at.cropSize as [number, number],
          Number(at.extrapolationValue ?? 0),
        ),
      );
    }) as unknown as tf.KernelFunc,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

function kernel(name: string, fn: (a: KernelArgs) => tf.Tensor) {
  return { kernelName: name, backendName: BACKEND, kernelFunc: fn as unknown as tf.KernelFunc };
}

const a = (attrs: tf.NamedAttrMap | undefined) => (attrs ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const WASM_TRAINING_KERNELS = [
  kernel('Conv2DBackpropFilter', ({ inputs, attrs }) => {
    const at = a(attrs);
    return conv2dBackpropFilterImpl(
      asTensor(inputs.x),
      asTensor(inputs.dy),
      at.filterShape,
      at.strides,
      at.pad,
      at.dimRoundingMode,
    );
  }),
  kernel('Conv2DBackpropInput', ({ inputs, attrs }) => {
    const at = a(attrs);
    return conv2dBackpropInputImpl(
      asTensor(inputs.dy),
      asTensor(inputs.filter),
      at.inputShape,
      at.strides,
      at.pad,
      at.dimRoundingMode,
    );
  }),
  kernel('DepthwiseConv2dNativeBackpropInput', ({ inputs, attrs }) => {
    const at = a(attrs);
    return depthwiseBackpropInputImpl(
      asTensor(inputs.dy),
      asTensor(inputs.filter),
      at.inputShape,
      at.strides,
      at.pad,
      at.dimRoundingMode,
      at.dilations,
    );
  }),
  kernel('DepthwiseConv2dNativeBackpropFilter', ({ inputs, attrs }) => {
    const at = a(attrs);
    return depthwiseBackpropFilterImpl(
      asTensor(inputs.x),
      asTensor(inputs.dy),
      at.filterShape,
      at.strides,
      at.pad,
      at.dimRoundingMode,
      at.dilations,
    );
  }),
  kernel('MaxPoolGrad', ({ inputs, attrs }) => {
    const at = a(attrs);
    return maxPoolGradImpl(
      asTensor(inputs.dy),
      asTensor(inputs.input),
      asTensor(inputs.output),
      at.filterSize,
      at.strides,
      at.pad,
      at.dimRoundingMode,
    );
  }),
];

let registered: string[] | null = null;

/**
 * Register (or override) our training kernels on the wasm backend, the fast leading-axis Sum/Mean, and the
 * batch-norm gradient. Call before the wasm backend initialises (the overrides keep wasm's setup functions).
 * Idempotent; returns the kernel names.
 */
export function registerWasmTrainingKernels(): string[] {
  if (registered) return registered;
  const names: string[] = [];
  for (const k of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(k.kernelName, BACKEND) != null) tf.unregisterKernel(k.kernelName, BACKEND);
    tf.registerKernel(k);
    names.push(k.kernelName);
  }
  // Identity: wasm's copies the data; tfjs clones every tensor it saves for the backward pass through Identity
  // (hundreds of full-size copies per step). Tensor data is immutable, so share it as the cpu backend does.
  const origIdentity = tf.getKernel('Identity', BACKEND);
  if (origIdentity != null) {
    tf.unregisterKernel('Identity', BACKEND);
    tf.registerKernel({
      kernelName: 'Identity',
      backendName: BACKEND,
      setupFunc: origIdentity.setupFunc,
      kernelFunc: ((args: KernelArgs) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (x.dtype === 'string') return (origIdentity.kernelFunc as unknown as (a: KernelArgs) => tf.TensorInfo)(args);
        (args.backend as { incRef(id: unknown): void }).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      }) as unknown as tf.KernelFunc,
    });
    names.push('Identity');
  }
  for (const name of ['Sum', 'Mean'] as const) {
    const orig = tf.getKernel(name, BACKEND);
    if (orig == null) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(reductionOverride(name, orig));
    names.push(name);
  }
  const origCrop = tf.getKernel('CropAndResize', BACKEND);
  if (origCrop != null) {
    tf.unregisterKernel('CropAndResize', BACKEND);
    tf.registerKernel(cropAndResizeOverride(origCrop));
    names.push('CropAndResize');
  }
  origBnGrad = tf.getGradient('FusedBatchNorm');
  setGradientQuietly(batchNormGradConfig);
  names.push('FusedBatchNorm (gradient)');
  registered = names;
  return names;
}
