// Temp folders for a test file, removed after each test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** A maker of temp folders named medssl-<prefix>-…; call at a test file's top level (it registers an afterEach). */
export function tmpDirsRemovedAfterEach(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `medssl-${prefix}-`));
    made.push(d);
    return d;
  };
}
