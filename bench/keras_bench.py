#!/usr/bin/env python3
"""Keras 3 (TensorFlow backend) reference for `npm run bench`: the same two nets as lib/models (mini-resnet18-w32 at
32 px, mini-xception at 64 px), same batch, SGD with momentum 0.9, trained with Keras' compiled train step
(`train_on_batch`: a tf.function, jit_compile=False so TensorFlow's own CPU kernels run, as tfjs-node's do).

Usage: python3 bench/keras_bench.py --threads 1 --batch 64 --steps 6 --net resnet|xception [--run-eagerly]
Prints one JSON object: {keras, tensorflow, threads, batch, results: [{net, params_backbone, train_img_s,
train_img_s_cpu, infer_img_s, peak_rss_mb, ...}]}. One net per process so peak RSS belongs to one row.

Layer for layer as lib/models/resnet.ts (basic blocks, CIFAR stem, no conv bias, 1x1 'valid' projection shortcut)
and lib/models/xception.ts (Keras Xception layout scaled by `width`, `reps` middle blocks).
"""
import argparse
import json
import os
import resource
import time

os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--net', default='resnet')
    ap.add_argument('--warmup', type=int, default=1)
    # eager train step (Keras run_eagerly): the same TensorFlow kernels op by op, as tfjs-node runs them; the gap to the
    # compiled step is what graph compilation (grappler, oneDNN graph rewrites) buys
    ap.add_argument('--run-eagerly', action='store_true')
    a = ap.parse_args()

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    import keras
    from keras import layers as L

    def scaled(c, w):
        return max(4, round(c * w))

    def bn(x):
        return L.BatchNormalization(epsilon=1e-3, momentum=0.99)(x)

    def resnet18_cifar(width=0.5, size=32, classes=10):
        inp = keras.Input((size, size, 3))
        x = L.Conv2D(scaled(64, width), 3, padding='same', use_bias=False)(inp)
        x = L.ReLU()(bn(x))
        cin = scaled(64, width)
        for si, n in enumerate([2, 2, 2, 2]):
            cout = scaled(64 * 2 ** si, width)
            for b in range(n):
                s = 2 if (b == 0 and si > 0) else 1
                y = L.Conv2D(cout, 3, strides=s, padding='same', use_bias=False)(x)
                y = L.ReLU()(bn(y))
                y = bn(L.Conv2D(cout, 3, padding='same', use_bias=False)(y))
                r = x
                if s != 1 or cin != cout:
                    r = bn(L.Conv2D(cout, 1, strides=s, padding='valid', use_bias=False)(x))
                x = L.ReLU()(L.Add()([y, r]))
                cin = cout
        backbone = keras.Model(inp, x)
        out = L.Dense(classes)(L.GlobalAveragePooling2D()(x))
        return backbone, keras.Model(inp, out)

    def xception(width=0.25, reps=8, size=64, classes=10):
        c = lambda n: scaled(n, width)  # noqa: E731
        sep = lambda x, f: L.SeparableConv2D(f, 3, padding='same', use_bias=False)(x)  # noqa: E731
        inp = keras.Input((size, size, 3))
        x = L.ReLU()(bn(L.Conv2D(c(32), 3, strides=2, use_bias=False)(inp)))
        x = L.ReLU()(bn(L.Conv2D(c(64), 3, use_bias=False)(x)))
        for f, first_act in [(128, False), (256, True), (728, True)]:
            r = bn(L.Conv2D(c(f), 1, strides=2, padding='same', use_bias=False)(x))
            y = L.ReLU()(x) if first_act else x
            y = bn(sep(y, c(f)))
            y = bn(sep(L.ReLU()(y), c(f)))
            x = L.Add()([L.MaxPooling2D(3, 2, padding='same')(y), r])
        for _ in range(reps):
            y = x
            for _ in range(3):
                y = bn(sep(L.ReLU()(y), c(728)))
            x = L.Add()([y, x])
        r = bn(L.Conv2D(c(1024), 1, strides=2, padding='same', use_bias=False)(x))
        y = bn(sep(L.ReLU()(x), c(728)))
        y = bn(sep(L.ReLU()(y), c(1024)))
        x = L.Add()([L.MaxPooling2D(3, 2, padding='same')(y), r])
        x = L.ReLU()(bn(sep(x, c(1536))))
        x = L.ReLU()(bn(sep(x, c(2048))))
        backbone = keras.Model(inp, x)
        out = L.Dense(classes)(L.GlobalAveragePooling2D()(x))
        return backbone, keras.Model(inp, out)

    nets = {'resnet': ('mini-resnet18-w32', resnet18_cifar, 32), 'xception': ('mini-xception', xception, 64)}
    name, build, size = nets[a.net]
    keras.utils.set_random_seed(0)
    backbone, model = build()
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), jit_compile=False,
                  run_eagerly=a.run_eagerly)
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.batch, size, size, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, a.batch)]
    times, cpu = [], []
    for i in range(a.warmup + a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train_on_batch(x, y)
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    itimes = []
    xt = tf.constant(x)
    infer = tf.function(lambda t: model(t, training=False))
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        infer(xt).numpy()
        if i >= a.warmup:
            itimes.append(time.perf_counter() - t0)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    res = {
        'net': name, 'input': size, 'params_backbone': int(backbone.count_params()),
        'train_img_s': a.batch / med(times), 'train_img_s_cpu': a.batch / med(cpu), 'infer_img_s': a.batch / med(itimes),
        'train_step_s': times, 'train_cpu_s': cpu, 'infer_step_s': itimes,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps({'keras': keras.__version__, 'tensorflow': tf.__version__, 'threads': a.threads, 'batch': a.batch,
                      'onednn': os.environ.get('TF_ENABLE_ONEDNN_OPTS', '(default: on)'),
                      'run_eagerly': a.run_eagerly, 'results': [res]}))


if __name__ == '__main__':
    main()
