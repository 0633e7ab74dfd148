// Post-install fixes, idempotent. Runs from `npm install` / `npm ci`.
// 1. tslab sets TypeScript's rootDir to the notebook's folder, so `import ... from '../lib/x'` fails with
//    "not under 'rootDir'" (yunabe/tslab issue 63). Widen rootDir to the filesystem root.
const fs = require('fs');
const path = require('path');
const converter = path.join(__dirname, '..', 'node_modules', 'tslab', 'dist', 'converter.js');
if (fs.existsSync(converter)) {
  const src = fs.readFileSync(converter, 'utf8');
  const marker = '/* medssl: rootDir widened */';
  if (!src.includes(marker)) {
    // tslab passes rootDir: <notebook dir> in its compiler options; replace every such assignment.
    const patched = src.replace(/rootDir:\s*([^,\n}]+)/g, (m, v) => `rootDir: ${marker} require("path").parse(process.cwd()).root`);
    if (patched === src) {
      console.warn('[postinstall] tslab converter.js: rootDir pattern not found; notebook ../lib imports may fail');
    } else {
      fs.writeFileSync(converter, patched);
      console.log('[postinstall] patched tslab rootDir (yunabe/tslab#63)');
    }
  }
}
