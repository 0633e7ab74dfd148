"""Write Keras's own layer / weight manifest for Xception and ResNet-50 (top and no-top).

Run:  python3 scripts/keras/manifest.py lib/weights/keras-manifest.json
Needs tensorflow-cpu (brings Keras 3); builds the models with weights=None, so nothing is downloaded.
tests/weights/manifest.test.ts checks that lib/models builds the same layers, weights, shapes and order.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402


def describe(model):
    layers = []
    for layer in model.layers:
        if not layer.weights:
            continue
        entry = {
            "name": layer.name,
            "class": layer.__class__.__name__,
            "weights": [{"name": w.path, "shape": list(w.shape)} for w in layer.weights],
        }
        if isinstance(layer, keras.layers.BatchNormalization):
            entry["epsilon"] = float(layer.epsilon)
        layers.append(entry)
    return {
        "input_shape": list(model.input_shape[1:]),
        "params": int(model.count_params()),
        "layers": layers,
    }


def compact_json(value, indent=""):
    """Pretty JSON with one layer per line: diffs stay readable, the file stays small."""
    if isinstance(value, dict) and "weights" not in value:
        inner = indent + " "
        items = [f"{inner}{json.dumps(k)}: {compact_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + compact_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)


def build(fn, include_top, size):
    # a fresh session per model so auto-numbered layer names (Xception's shortcut convs) start from zero,
    # as they do when a user builds one model in a new process
    keras.backend.clear_session()
    return fn(weights=None, include_top=include_top, input_shape=(size, size, 3))


def main(out):
    import tensorflow as tf

    models = {}
    for arch, fn, size in (
        ("xception", keras.applications.Xception, 299),
        ("resnet50", keras.applications.ResNet50, 224),
    ):
        models[arch] = {
            "top": describe(build(fn, True, size)),
            "notop": describe(build(fn, False, size)),
        }
    manifest = {
        "generatedBy": "scripts/keras/manifest.py",
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "note": "keras.applications models built with weights=None; layers with weights in model.layers order",
        "models": models,
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(compact_json(manifest) + "\n")
    os.replace(tmp, out)
    print(f"wrote {out} (keras {keras.__version__})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "lib/weights/keras-manifest.json")
