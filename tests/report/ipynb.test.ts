import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildNotebook,
  cellSources,
  firstFailure,
  parsePercent,
  summarizeError,
  type Notebook,
} from '../../lib/report/ipynb';
import { ROOT } from '../../lib/util/paths';

describe('percent-format notebooks', () => {
  const src = [
    '// header comment',
    '',
    '// %% [markdown]',
    '// # Title',
    '//',
    '// text',
    '',
    '// %%',
    'const x = 1;',
    '',
    'x',
    '// %%',
    '',
    '// %% [markdown]',
    '// end',
  ].join('\n');

  it('splits markdown and code cells, strips the comment prefix, drops empty cells', () => {
    expect(parsePercent(src)).toEqual([
      { type: 'markdown', source: '# Title\n\ntext' },
      { type: 'code', source: 'const x = 1;\n\nx' },
      { type: 'markdown', source: 'end' },
    ]);
  });

  it('names the file and line of malformed input', () => {
    expect(() => parsePercent('const a = 1;\n// %%\n', 'nb.ts')).toThrow(/nb\.ts:1: code before/);
    expect(() => parsePercent('// %% [markdown]\nnot a comment\n', 'nb.ts')).toThrow(/nb\.ts:2: markdown lines/);
    expect(() => parsePercent('// %% [raw]\n', 'nb.ts')).toThrow(/unknown cell marker/);
  });

  it('builds an nbformat 4.5 notebook for the tslab kernel with stable ids', () => {
    const nb = buildNotebook('99-x', parsePercent(src));
    expect(nb.nbformat).toBe(4);
    expect((nb.metadata.kernelspec as { name: string }).name).toBe('tslab');
    expect(nb.cells[1]).toMatchObject({
      cell_type: 'code',
      source: ['const x = 1;\n', '\n', 'x'],
      outputs: [],
      execution_count: null,
    });
    expect(buildNotebook('99-x', parsePercent(src)).cells.map((c) => c.id)).toEqual(nb.cells.map((c) => c.id));
    expect(new Set(nb.cells.map((c) => c.id)).size).toBe(nb.cells.length);
  });

  it('firstFailure returns the failing cell source and its stderr (tslab leaves evalue empty)', () => {
    const nb = buildNotebook('99-x', parsePercent(src)) as Notebook;
    expect(firstFailure(nb)).toBeNull();
    nb.cells[1].outputs = [
      { output_type: 'stream', name: 'stdout', text: ['ok\n'] },
      { output_type: 'stream', name: 'stderr', text: ["1:7 - Type 'string' is not assignable\n"] },
      { output_type: 'error', ename: 'Error', evalue: '', traceback: [] },
    ];
    const f = firstFailure(nb)!;
    expect(f.codeIndex).toBe(1);
    expect(f.source).toBe('const x = 1;\n\nx');
    expect(f.stderr).toContain('not assignable');
  });

  // stderr as the tslab 1.0.22 kernel wrote it for these cells (captured over jupyter_client; stacks shortened).
  it('summarizeError finds the message and the offending line in tslab stderr (the evalue is empty)', () => {
    const thrown = "function f() {\n  throw new Error('boom in f');\n}\nf();";
    expect(
      summarizeError(
        "evalmachine.<anonymous>:4\n    throw new Error('boom in f');\n    ^\n\nError: boom in f\n    at f (evalmachine.<anonymous>:4:11)\n    at evalmachine.<anonymous>:7:22\n    at sigintHandlersWrap (node:vm:280:12)\n",
        thrown,
      ),
    ).toEqual({ message: 'Error: boom in f', line: "throw new Error('boom in f');" });
    // a type error: the line is counted in the cell
    expect(
      summarizeError(
        "2:7 - Type 'string' is not assignable to type 'number'.\n",
        "const a = 1;\nconst b: number = 'x';",
      ),
    ).toEqual({ message: "2:7 - Type 'string' is not assignable to type 'number'.", line: "const b: number = 'x';" });
    // an awaited rejection shows no line: the caller keeps the cell source instead
    expect(
      summarizeError('Error: rejected here\n    at evalmachine.<anonymous>:3:43\n    at evalmachine.<anonymous>:5:3\n'),
    ).toEqual({ message: 'Error: rejected here' });
    // JSON.parse's arrow shows the JSON text, not source: no line
    expect(
      summarizeError(
        "<anonymous_script>:1\n{oops\n ^\n\nSyntaxError: Expected property name or '}' in JSON at position 1\n    at JSON.parse (<anonymous>)\n",
      ),
    ).toEqual({ message: "SyntaxError: Expected property name or '}' in JSON at position 1" });
    // thrown inside a project file: that file's line, with where it is
    expect(
      summarizeError(
        '/repo/lib/report/runs.ts:12\n    throw new Error(`no runs`);\n    ^\n\nError: no runs\n    at loadProfileRuns (/repo/lib/report/runs.ts:12:11)\n',
      ),
    ).toEqual({ message: 'Error: no runs', line: 'throw new Error(`no runs`); (/repo/lib/report/runs.ts:12)' });
    expect(summarizeError('')).toEqual({ message: '(no error text on stderr)' });
  });

  it('every committed notebook matches its .ts source (edit the .ts, then npm run reproduce)', () => {
    const dir = path.join(ROOT, 'notebooks');
    const names = fs.readdirSync(dir).filter((f) => /^\d\d-[\w-]+\.ts$/.test(f));
    for (const f of names) {
      const ipynb = path.join(dir, f.replace(/\.ts$/, '.ipynb'));
      expect(fs.existsSync(ipynb), `${ipynb} missing: run npm run reproduce -- --build-only`).toBe(true);
      const built = buildNotebook(f.replace(/\.ts$/, ''), parsePercent(fs.readFileSync(path.join(dir, f), 'utf8'), f));
      const saved = JSON.parse(fs.readFileSync(ipynb, 'utf8')) as Notebook;
      expect(cellSources(saved), `${ipynb} is stale`).toEqual(cellSources(built));
      expect((saved.metadata.kernelspec as { name: string }).name).toBe('tslab');
    }
  });
});
