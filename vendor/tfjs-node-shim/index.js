// danfojs-node only needs tensor ops; the pure-JS tfjs provides them.
module.exports = require('@tensorflow/tfjs');
