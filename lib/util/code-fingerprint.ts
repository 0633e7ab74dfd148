// Fingerprints of the sources behind each code version (see code-version.ts). Kept apart from the version reader
// because it loads the TypeScript compiler's scanner, which runs need not pay for.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { writeJsonAtomic } from './atomic';
import { sha256Hex } from './hash';
import { ROOT } from './paths';
import {
  AREA_SOURCES,
  CODE_AREAS,
  CODE_VERSIONS_FILE,
  readCodeVersions,
  type AreaVersion,
  type CodeArea,
} from './code-version';

function sourceFiles(area: CodeArea, root: string): string[] {
  const out: string[] = [];
  for (const rel of AREA_SOURCES[area]) {
    const p = path.join(root, rel);
    if (!fs.existsSync(p))
      throw new Error(`code version "${area}": source ${rel} does not exist (update AREA_SOURCES)`);
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith('.ts')) out.push(path.join(rel, f));
    } else out.push(rel);
  }
  return [...new Set(out)].sort();
}

/**
 * A TypeScript source as its syntax tree, flattened: node kinds, names and literal values. Comments, white space,
 * quote style, optional parentheses and trailing commas leave no trace in it; any change to the code does.
 */
export function codeTokens(text: string): string[] {
  const sf = ts.createSourceFile('source.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    // Parentheses only restate the tree's shape (a formatter adds them around mixed operators): descend without a mark.
    if (ts.isParenthesizedExpression(n)) return void ts.forEachChild(n, visit);
    let t = ts.SyntaxKind[n.kind];
    if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) t += `:${n.text}`;
    else if (ts.isLiteralExpression(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n))
      t += `:${JSON.stringify(n.text)}`;
    else if (ts.isVariableDeclarationList(n)) t += `:${n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)}`;
    out.push(t);
    ts.forEachChild(n, visit);
    out.push(')');
  };
  visit(sf);
  return out;
}

/** Fingerprint of an area's sources (per file: path and syntax tree). */
export function sourceFingerprint(area: CodeArea, root = ROOT): string {
  const parts = sourceFiles(area, root).map(
    (rel) => `${rel}\n${codeTokens(fs.readFileSync(path.join(root, rel), 'utf8')).join('\u0001')}`,
  );
  return sha256Hex(parts.join('\u0000')).slice(0, 16);
}

/** Areas whose sources no longer match the recorded fingerprint. */
export function staleAreas(
  root = ROOT,
  file = CODE_VERSIONS_FILE,
): { area: CodeArea; recorded: AreaVersion; now: string }[] {
  const v = readCodeVersions(file);
  return CODE_AREAS.map((area) => ({ area, recorded: v[area], now: sourceFingerprint(area, root) })).filter(
    (s) => s.now !== s.recorded.fingerprint,
  );
}

/** Record the current fingerprint of `area`, bumping its version when the numbers change. */
export function recordCodeVersion(area: CodeArea, bump: boolean, root = ROOT, file = CODE_VERSIONS_FILE): AreaVersion {
  const v = readCodeVersions(file);
  v[area] = { version: v[area].version + (bump ? 1 : 0), fingerprint: sourceFingerprint(area, root) };
  writeJsonAtomic(file, v);
  return v[area];
}
