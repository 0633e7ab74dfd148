import { describe, expect, it } from 'vitest';
import { figureMode, interactiveFigureHtml } from '../../lib/report/notebook';
import type { RenderedFigure } from '../../lib/report/figures';

const fig = {
  name: '03-bars-smoke',
  png: new Uint8Array([137, 80, 78, 71]),
  svg: '<svg/>',
  files: { png: 'x.png', svg: 'x.svg' },
  provenance: { commit: 'c', profile: 'smoke', backend: 'wasm', seeds: [], date: 'd' },
  width: 640,
  height: 400,
  spec: { data: [{ type: 'bar', x: ['a'], y: [1], name: '</script><b>' }], layout: { title: { text: 't' } } },
  problems: [],
} as RenderedFigure;

describe('notebook display', () => {
  it('interactive in a live kernel, PNG in a publishing run', () => {
    expect(figureMode({})).toBe('interactive');
    expect(figureMode({ MEDSSL_PUBLISH: '1' })).toBe('png');
  });

  it('inlines plotly.js from node_modules once, never a CDN, with the PNG as fallback', () => {
    const first = interactiveFigureHtml(fig, true);
    const next = interactiveFigureHtml(fig, false);
    expect(first.length).toBeGreaterThan(3_000_000); // the bundle itself
    expect(first).toContain('window.Plotly = Plotly');
    expect(next.length).toBeLessThan(2_000);
    for (const h of [first, next]) {
      expect(h).not.toMatch(/<script[^>]+src=/); // nothing loaded from elsewhere
      expect(h).toContain('data:image/png;base64,iVBORw==');
      expect(h).toContain('Plotly.newPlot(el, f.data');
    }
    expect(next).not.toContain('</script><b>'); // the spec cannot close the script early
    expect(next.match(/id="(medssl-[^"]+)"/)![1]).not.toBe(first.match(/id="(medssl-[^"]+)"/)![1]);
  });
});
