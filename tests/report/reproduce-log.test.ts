import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReproduceLog } from '../../lib/report/reproduce-log';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-rlog-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

describe('ReproduceLog', () => {
  it("is on disk after every step, keeps a failure's cell, line and message, and a partial run keeps the other steps", () => {
    const a = new ReproduceLog('smoke', dir);
    expect(a.file).toBe(path.join(dir, 'reproduce-log-smoke.json'));
    a.step({ notebook: '00-environment', ok: true, seconds: 12.34 });
    expect(read(a.file).steps).toMatchObject([{ notebook: '00-environment', ok: true, seconds: 12.3 }]); // before finish
    a.step({
      notebook: '03-tl-vs-ssl',
      ok: false,
      seconds: 5,
      cell: 4,
      line: "throw new Error('no runs');",
      message: 'Error: no runs',
    });
    a.step({ notebook: 'stage:grid', ok: true, seconds: 1 });
    a.write(20);
    const j = read(a.file);
    expect(j).toMatchObject({ profile: 'smoke', ok: false, lastRunSeconds: 20 });
    expect(j.steps.map((s: { notebook: string }) => s.notebook)).toEqual([
      'stage:grid',
      '00-environment',
      '03-tl-vs-ssl',
    ]);
    expect(j.steps[2]).toMatchObject({ cell: 4, line: "throw new Error('no runs');", message: 'Error: no runs' });
    expect(typeof j.steps[2].commit).toBe('string');

    const b = new ReproduceLog('smoke', dir); // --only 03, fixed
    b.step({ notebook: '03-tl-vs-ssl', ok: true, seconds: 4 });
    const k = read(b.file);
    expect(k.ok).toBe(true);
    expect(k.steps.map((s: { notebook: string }) => s.notebook)).toEqual([
      'stage:grid',
      '00-environment',
      '03-tl-vs-ssl',
    ]);
    expect(k.steps[2].message).toBeUndefined();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('starts a new log when the old one is not valid JSON', () => {
    fs.writeFileSync(path.join(dir, 'reproduce-log-cpu.json'), '{"steps": [');
    const l = new ReproduceLog('cpu', dir);
    l.step({ notebook: '01-datasets', ok: true, seconds: 1 });
    expect(read(l.file).steps).toHaveLength(1);
  });
});
