// Keras's published ImageNet weights, no-top (the backbone is what the project fine-tunes). URLs and md5 hashes
// are those keras.applications uses (keras/src/applications/xception.py and resnet.py, Keras 3.15.1); Keras
// publishes no byte counts, so the md5 is the check. No heavy imports here: the command line's --help reads it.
import type { KerasArch } from './keras-layouts';

export interface KerasWeightsEntry {
  id: string;
  arch: KerasArch;
  /** Name of the converted backbone (the arm `getPretrainedBackbone` serves). */
  converted: string;
  file: string;
  url: string;
  md5: string;
  note: string;
}

const KERAS_APPS = 'https://storage.googleapis.com/tensorflow/keras-applications';

export const KERAS_WEIGHTS: Record<string, KerasWeightsEntry> = {
  'xception-imagenet': {
    id: 'xception-imagenet',
    arch: 'xception',
    converted: 'imagenet-xception',
    file: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: `${KERAS_APPS}/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: 'b0042744bf5b25fce3cb969f33bebb97',
    note: "keras.applications.Xception ImageNet weights, no top (the paper's TL backbone)",
  },
  'resnet50-imagenet': {
    id: 'resnet50-imagenet',
    arch: 'resnet50',
    converted: 'imagenet-resnet50',
    file: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: `${KERAS_APPS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: '4d473c1dd8becc155b73f8504c6f6626',
    note: 'keras.applications.ResNet50 ImageNet weights, no top (expects Keras "caffe" preprocessing)',
  },
};

export function kerasWeightsEntry(id: string): KerasWeightsEntry {
  const e = KERAS_WEIGHTS[id];
  if (!e) throw new Error(`unknown weights "${id}": expected one of ${Object.keys(KERAS_WEIGHTS).join(', ')}`);
  return e;
}
