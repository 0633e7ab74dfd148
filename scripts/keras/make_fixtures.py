"""Random-weight Keras weight files and Keras's forward pass on them, for tests/weights/keras-forward.test.ts.

Run:  python3 scripts/keras/make_fixtures.py OUTDIR small|xception|resnet50 ...
For each model NAME it writes, into OUTDIR:
  NAME.keras2.h5      legacy HDF5 layout (layer_names / weight_names attributes; the keras.applications downloads)
  NAME.weights.h5     Keras 3 layout (model.save_weights)
  NAME.input.f32      a fixed input batch, float32 little-endian, NHWC
  NAME.output.f32     Keras's output on it (inference mode)
  NAME.json           shapes, sizes and the Keras / TensorFlow versions
  small.caffe.f32     keras.applications.resnet50.preprocess_input of the small input mapped to [0,1] (×255),
                      for tests/data/scaling.test.ts
Weights are random (seeded) with BN statistics away from 0/1, so every tensor is checked. Only the small model's
files are committed (tests/weights/fixtures); the large ones are written to a temp dir by the test.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN off: plain Eigen kernels as the reference (with it on, TF 2.21 died with SIGFPE building ResNet-50 after
# Xception in one process on the 2-core Zen 4 machine)
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402
import h5py  # noqa: E402

SIZES = {"small": 12, "xception": 71, "resnet50": 64}


def small_model(size):
    """Every weighted layer kind the backbones use: conv with and without bias, BN, separable conv, a 1x1
    projection shortcut, and a dense top. Built the same way in tests/weights/small-model.ts."""
    L = keras.layers
    inp = keras.Input((size, size, 3), name="input_1")
    x = L.Conv2D(8, 3, strides=2, padding="same", use_bias=True, name="c1")(inp)
    x = L.BatchNormalization(epsilon=1e-3, name="c1_bn")(x)
    x = L.Activation("relu", name="c1_act")(x)
    r = L.Conv2D(12, 1, strides=2, padding="same", use_bias=False, name="proj")(x)
    r = L.BatchNormalization(epsilon=1e-3, name="proj_bn")(r)
    y = L.SeparableConv2D(12, 3, padding="same", use_bias=False, name="s1")(x)
    y = L.BatchNormalization(epsilon=1e-3, name="s1_bn")(y)
    y = L.MaxPooling2D(3, strides=2, padding="same", name="s1_pool")(y)
    x = L.Add(name="add_1")([y, r])
    x = L.Activation("relu", name="out_act")(x)
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    x = L.Dense(5, activation="softmax", name="predictions")(x)
    return keras.Model(inp, x, name="small")


def build(name, size):
    keras.backend.clear_session()  # auto-numbered names (conv2d, conv2d_1, ...) as in a fresh process
    if name == "small":
        return small_model(size)
    if name == "xception":
        return keras.applications.Xception(weights=None, include_top=False, input_shape=(size, size, 3))
    if name == "resnet50":
        return keras.applications.ResNet50(weights=None, include_top=False, input_shape=(size, size, 3))
    raise SystemExit(f"unknown model {name!r}: expected one of {', '.join(SIZES)}")


def randomize(model, rng):
    for layer in model.layers:
        for w in layer.weights:
            shape = tuple(w.shape)
            kind = w.path.split("/")[-1]
            if kind in ("gamma", "moving_variance"):
                v = rng.uniform(0.5, 1.5, shape)
            elif kind in ("beta", "moving_mean", "bias"):
                v = rng.normal(0.0, 0.1, shape)
            elif kind == "depthwise_kernel":
                v = rng.normal(0.0, 1.0 / np.sqrt(shape[0] * shape[1]), shape)
            else:  # conv / pointwise / dense kernels: variance-preserving so deep nets stay O(1)
                v = rng.normal(0.0, 1.0 / np.sqrt(np.prod(shape[:-1])), shape)
            w.assign(v.astype("float32"))


def main(out, names):
    import tensorflow as tf

    os.makedirs(out, exist_ok=True)
    for name in names:
        size = SIZES.get(name)
        model = build(name, size)
        rng = np.random.default_rng(15)
        randomize(model, rng)
        x = rng.uniform(-1.0, 1.0, (2, size, size, 3)).astype("float32")
        y = np.asarray(model(x, training=False)).astype("float32")
        base = os.path.join(out, name)
        model.save_weights(base + ".weights.h5")
        with h5py.File(base + ".keras2.h5", "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
        x.astype("<f4").tofile(base + ".input.f32")
        y.astype("<f4").tofile(base + ".output.f32")
        if name == "small":
            from keras.applications.resnet50 import preprocess_input

            unit = (x + 1.0) / 2.0  # the tests feed this [0,1] image to applyScaling
            preprocess_input(unit * 255.0).astype("<f4").tofile(base + ".caffe.f32")
        with open(base + ".json", "w") as f:
            json.dump({"model": name, "input": list(x.shape), "output": list(y.shape), "params": int(model.count_params()),
                       "keras": keras.__version__, "tensorflow": tf.__version__, "seed": 15}, f, indent=1)
        print(f"{name}: {model.count_params()} params, output {y.shape}, max |y| {np.abs(y).max():.4g}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:])
