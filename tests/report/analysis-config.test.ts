import { describe, expect, it } from 'vitest';
import { ANALYSIS, analysisConfig, contentOf, SMALL_SET } from '../../lib/report/analysis-config';
import { contentColour } from '../../lib/report/compare';
import { SMALL_SET as REPORT_SMALL_SET } from '../../lib/report/reproduction';
import { DATASET_IDS, REGISTRY } from '../../lib/data/registry';

describe('analysis config', () => {
  it('one small-set threshold: the report uses the same one', () => {
    expect(REPORT_SMALL_SET).toBe(SMALL_SET);
    for (const p of ['smoke', 'cpu', 'gpu']) expect(analysisConfig(p).smallSet).toBe(SMALL_SET);
    expect(() => analysisConfig('laptop')).toThrow(/unknown profile "laptop"/);
  });

  it('more resamples for the profiles that are quoted', () => {
    expect(ANALYSIS.cpu.resamples).toBeGreaterThanOrEqual(2000);
    expect(ANALYSIS.gpu.resamples).toBeGreaterThanOrEqual(ANALYSIS.cpu.resamples);
  });

  it("content grouping is the registry's: grey-stored sets are grey; BUSI and Chest-CT (RGB files) grey", () => {
    for (const id of DATASET_IDS) {
      if (REGISTRY[id].colour === 'grey') expect(contentOf(id), id).toBe('grey');
      // the report's grouping agrees with the registry field for every medical set
      if (REGISTRY[id].domain === 'medical') expect(contentColour(id), id).toBe(contentOf(id));
    }
    expect(contentOf('busi')).toBe('grey');
    expect(contentOf('chest-ct')).toBe('grey');
    expect(contentOf('isic-uda1')).toBe('colour');
    expect(() => contentOf('nope')).toThrow(/unknown dataset "nope"/);
  });
});
