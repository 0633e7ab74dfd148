import { describe, expect, it } from 'vitest';
import { backboneRows } from '../../lib/report/reproduction';
import type { RunRecord } from '../../lib/report/compare';

const rec = (arm: string, backbone: string) => ({ config: { arm, backbone } }) as unknown as RunRecord;

describe('reproduction report', () => {
  it('names the weights each arm was fine-tuned from, with run counts', () => {
    const rows = backboneRows([
      rec('tl', 'keras:imagenet-xception:ab12'),
      rec('ssl', 'ssl:small-resnet18-w16:cd34'),
      rec('tl', 'keras:imagenet-xception:ab12'),
      rec('ssl', 'ssl:small-resnet18-w16:ef56'),
    ]);
    expect(rows.map((r) => r.slice(1))).toEqual([
      ['`ssl:small-resnet18-w16:cd34`', '1'],
      ['`ssl:small-resnet18-w16:ef56`', '1'],
      ['`keras:imagenet-xception:ab12`', '2'],
    ]);
  });
});
