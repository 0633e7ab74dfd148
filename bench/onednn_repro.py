"""TensorFlow 2.21 + oneDNN heap corruption, without tfjs: Conv2DBackpropFilter of a 1x1 stride-2 conv whose input
channels are not a multiple of oneDNN's SIMD block (16 on AVX-512) crashes in eager mode within a few hundred calls.

  python3 bench/onednn_repro.py CIN COUT STRIDE STEPS [INTRA_THREADS]
  e.g. 8 16 2 500 -> abort (double free / munmap_chunk); 16 32 2 500 -> clean; TF_ENABLE_ONEDNN_OPTS=0 -> clean;
  ONEDNN_MAX_CPU_ISA=AVX2 (8-float blocks): 8 16 2 clean, 4 8 2 abort. ONEDNN_VERBOSE=1 names the kernel
  (jit_1x1:avx512_core backward_weights, weights 'ap:blocked:ABcd16b16a' = padded).
"""
import sys
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(int(sys.argv[5]) if len(sys.argv)>5 else 1)
tf.config.threading.set_inter_op_parallelism_threads(1)
cin=int(sys.argv[1]); cout=int(sys.argv[2]); s=int(sys.argv[3]); n=int(sys.argv[4]); pad='VALID'
N,H=64,16
x = tf.random.normal([N,H,H,cin]); dy = tf.random.normal([N,H//s,H//s,cout])
for i in range(n):
    r = tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=[1,1,cin,cout], out_backprop=dy, strides=[1,s,s,1], padding=pad)
    r.numpy()
print('finished', sys.argv[1:])
