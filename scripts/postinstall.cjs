// Post-install fixes, idempotent. Runs from `npm install` / `npm ci`.
// 1. tslab sets TypeScript's rootDir to the notebook's folder, so `import ... from '../lib/x'` fails with
//    "not under 'rootDir'" (yunabe/tslab issue 63). Widening rootDir alone is not enough: tslab then looks for
//    the cell's output at outDir/__tslab__.js (now outDir/<path of cwd>/__tslab__.js, so the cell compiles to
//    `undefined` and tslab crashes in transpileModule) and maps imported files back to cwd + <path below
//    rootDir>. So we set rootDir to the filesystem root and make both output mappings relative to it.
const fs = require('fs');
const path = require('path');
const converter = path.join(__dirname, '..', 'node_modules', 'tslab', 'dist', 'converter.js');
const MARKER = '/* medssl: rootDir widened v2 */';

function patch(src) {
  if (src.includes(MARKER)) return src;
  const edits = [
    // Define the widened root once, next to outDir.
    [
      /const outDir = "outDir";/,
      `const outDir = "outDir"; ${MARKER} const medsslRootDir = (0, tspath_1.normalizeSlashes)(require("path").parse(cwd).root);`,
    ],
    // The cell's own outputs now sit under outDir/<cwd relative to the root>.
    [
      /const dstFilename = \(0, tspath_1\.normalizeJoin\)\(outDir, "__tslab__\.js"\);/,
      'const dstFilename = (0, tspath_1.normalizeJoin)(outDir, require("path").relative(medsslRootDir, cwd), "__tslab__.js");',
    ],
    [
      /const dstDeclFilename = \(0, tspath_1\.normalizeJoin\)\(outDir, "__tslab__\.d\.ts"\);/,
      'const dstDeclFilename = (0, tspath_1.normalizeJoin)(outDir, require("path").relative(medsslRootDir, cwd), "__tslab__.d.ts");',
    ],
    // The compiler option (pristine: `rootDir: cwd,`; v1 of this patch: `rootDir: /* ... */ require(...)...root,`).
    [/rootDir:[^\n]*,\n/, 'rootDir: medsslRootDir,\n'],
    // Imported files map back to their real paths (below the root), not below cwd.
    [/path: \(0, tspath_1\.normalizeJoin\)\(cwd, rel\),/, 'path: (0, tspath_1.normalizeJoin)(medsslRootDir, rel),'],
  ];
  let out = src;
  for (const [re, rep] of edits) {
    if (!re.test(out)) throw new Error(`pattern ${re} not found`);
    out = out.replace(re, rep);
  }
  return out;
}

if (fs.existsSync(converter)) {
  try {
    const src = fs.readFileSync(converter, 'utf8');
    const patched = patch(src);
    if (patched !== src) {
      fs.writeFileSync(converter, patched);
      console.log('[postinstall] patched tslab converter.js: notebooks can import ../lib (yunabe/tslab#63)');
    }
  } catch (e) {
    console.warn(`[postinstall] could not patch ${converter}: ${e.message}; notebook ../lib imports may fail`);
  }
}
