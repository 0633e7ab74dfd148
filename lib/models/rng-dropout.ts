// Dropout whose masks come from lib/util/rng instead of tf.randomUniform (which TF.js cannot seed per call:
// a fixed `seed` repeats the same mask every step). Its generator state can be saved with a checkpoint.
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../util/rng';

export class RngDropout extends tf.layers.Layer {
  static className = 'MedsslRngDropout';
  readonly rate: number;
  private readonly seed: number;
  rng: Rng;

  constructor(args: { rate: number; seed?: number; name?: string }) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`RngDropout: rate must be in [0,1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 0;
    this.rng = new Rng(this.seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    const n = x.size;
    const keep = 1 - this.rate;
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = this.rng.next() < keep ? 1 / keep : 0;
    return tf.tidy(() => tf.mul(x, tf.tensor(m, x.shape)));
  }

  getRngState(): RngState {
    return this.rng.getState();
  }

  setRngState(s: RngState): void {
    this.rng.setState(s);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(RngDropout);
