// Read a Keras weights file into plain arrays, in either layout a user meets:
//   keras2-h5       the legacy HDF5 layout of keras.applications downloads and of model.save_weights('x.h5'):
//                   root (or `model_weights/` in a full-model .h5) attribute `layer_names`, each layer group with
//                   a `weight_names` attribute and the arrays at <layer>/<weight name>. Keras splits an attribute
//                   over 64 kB into `name0`, `name1`, …
//   keras3-weights  Keras 3 `.weights.h5`: `layers/<key>/vars/<i>` with the layer's name in the `vars` group's
//                   `name` attribute and no weight names (order = the layer's weight order); nested models
//                   (a backbone inside a classifier) as `layers/<key>/layers/…`.
// Weight names come back as "<layer>/<weight>" (":0" and any outer model scope dropped), or null in keras3
// files. Nothing here knows about architectures: see keras-layouts.ts and import.ts.
import path from 'node:path';
import { isDataset, isGroup, stringAttr, stringsAttr, withHdf5, type H5Group } from './hdf5';

export type KerasFormat = 'keras2-h5' | 'keras3-weights';

export interface KerasWeight {
  /** "<layer>/<weight>" (keras2-h5) or null (keras3-weights stores only the position). */
  name: string | null;
  shape: number[];
  values: Float32Array;
}

export interface KerasLayer {
  name: string;
  weights: KerasWeight[];
}

export interface KerasWeightsFile {
  file: string;
  format: KerasFormat;
  kerasVersion?: string;
  backend?: string;
  /** Layers that hold weights, in file order. */
  layers: KerasLayer[];
}

/** Attribute `name`, or its chunks `name0`, `name1`, … (Keras' save_attributes_to_hdf5_group). */
function chunkedStrings(g: H5Group, name: string): string[] | undefined {
  const whole = stringsAttr(g, name);
  if (whole) return whole;
  if (!g.attrs[`${name}0`]) return undefined;
  const out: string[] = [];
  for (let i = 0; g.attrs[`${name}${i}`]; i++) out.push(...(stringsAttr(g, `${name}${i}`) ?? []));
  return out;
}

function toFloat32(file: string, where: string, v: unknown, dtype: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  // float16 (mixed-precision saves) and integer arrays are not weights we know how to read faithfully
  throw new Error(`${file}: ${where} has dtype ${String(dtype)}; expected float32 or float64`);
}

function readDataset(file: string, g: H5Group, key: string, where: string): { shape: number[]; values: Float32Array } {
  const d = g.get(key);
  if (!isDataset(d)) throw new Error(`${file}: ${where} is listed but not stored in the file`);
  const shape = d.shape ?? [];
  const values = toFloat32(file, where, d.value, d.dtype);
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n)
    throw new Error(`${file}: ${where} holds ${values.length} values but its shape [${shape}] needs ${n}`);
  return { shape, values };
}

/** "xception/block1_conv1/kernel:0" → "block1_conv1/kernel" */
export function weightKey(name: string): string {
  const parts = name.replace(/:\d+$/, '').split('/');
  return parts.slice(-2).join('/');
}

function readKeras2(file: string, root: H5Group, layerNames: string[]): KerasLayer[] {
  const layers: KerasLayer[] = [];
  const byName = new Map<string, KerasLayer>();
  for (const ln of layerNames) {
    const g = root.get(ln);
    if (!isGroup(g)) throw new Error(`${file}: layer "${ln}" is in layer_names but has no group in the file`);
    for (const wn of chunkedStrings(g, 'weight_names') ?? []) {
      const { shape, values } = readDataset(file, g, wn, `weight ${ln}/${wn}`);
      const key = weightKey(wn);
      // a nested model is one group holding many layers' weights: split it by the weights' own layer names
      const layerName = key.includes('/') ? key.split('/')[0] : ln;
      let layer = byName.get(layerName);
      if (!layer) {
        layer = { name: layerName, weights: [] };
        byName.set(layerName, layer);
        layers.push(layer);
      }
      layer.weights.push({ name: key.includes('/') ? key : `${ln}/${key}`, shape, values });
    }
  }
  return layers;
}

function readKeras3(file: string, g: H5Group, out: KerasLayer[]): void {
  for (const key of g.keys()) {
    const sub = g.get(key);
    if (!isGroup(sub)) continue;
    const vars = sub.get('vars');
    if (isGroup(vars)) {
      const n = vars.keys().filter((k) => /^\d+$/.test(k)).length;
      if (n > 0) {
        const name = stringAttr(vars, 'name') ?? key;
        const weights: KerasWeight[] = [];
        for (let i = 0; i < n; i++)
          weights.push({ name: null, ...readDataset(file, vars, String(i), `layer ${name} variable ${i}`) });
        out.push({ name, weights });
      }
    }
    const nested = sub.get('layers');
    if (isGroup(nested)) readKeras3(file, nested, out);
  }
}

/** Read every weight of a Keras weights file. Throws naming the file when it is not one. */
export async function readKerasWeightsFile(file: string): Promise<KerasWeightsFile> {
  return withHdf5(file, (f) => {
    const root = f as unknown as H5Group;
    const keys = root.keys();
    const container = keys.includes('model_weights') ? root.get('model_weights') : root;
    if (isGroup(container)) {
      const layerNames = chunkedStrings(container, 'layer_names');
      if (layerNames) {
        return {
          file,
          format: 'keras2-h5' as const,
          kerasVersion: stringAttr(container, 'keras_version') ?? stringAttr(root, 'keras_version'),
          backend: stringAttr(container, 'backend') ?? stringAttr(root, 'backend'),
          layers: readKeras2(file, container, layerNames),
        };
      }
    }
    const layersGroup = root.get('layers');
    if (isGroup(layersGroup)) {
      const layers: KerasLayer[] = [];
      readKeras3(file, layersGroup, layers);
      return { file, format: 'keras3-weights' as const, layers };
    }
    const what = path.basename(file).endsWith('.keras')
      ? ' (a .keras archive is a zip: pass the .weights.h5 inside it or use model.save_weights)'
      : '';
    throw new Error(
      `${file}: an HDF5 file but not Keras weights: no "layer_names" attribute (Keras 2 .h5) and no "layers" group (Keras 3 .weights.h5); top-level entries: ${keys.slice(0, 8).join(', ') || 'none'}${what}`,
    );
  });
}
