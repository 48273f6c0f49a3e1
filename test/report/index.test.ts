import { describe, expect, it } from 'vitest';
import {
  formatJson,
  formatMarkdown,
  formatReview,
  formatSarif,
  formatText,
  REPORT_FORMATS,
} from '../../src/report/index.ts';
import type { ReportFormat } from '../../src/report/index.ts';
import { makeReview, OPTIONS } from './fixture.ts';

describe('formatReview', () => {
  it('dispatches to each format', () => {
    const review = makeReview();
    expect(formatReview('text', review, OPTIONS)).toBe(formatText(review, OPTIONS));
    expect(formatReview('json', review, OPTIONS)).toBe(formatJson(review, OPTIONS));
    expect(formatReview('markdown', review, OPTIONS)).toBe(formatMarkdown(review, OPTIONS));
    expect(formatReview('sarif', review, OPTIONS)).toBe(formatSarif(review, OPTIONS));
  });

  it('lists the formats and ends each output with exactly one newline', () => {
    expect(REPORT_FORMATS).toEqual(['text', 'json', 'markdown', 'sarif']);
    for (const format of REPORT_FORMATS) {
      const out = formatReview(format, makeReview(), OPTIONS);
      expect(out.endsWith('\n')).toBe(true);
      expect(out.endsWith('\n\n')).toBe(false);
    }
  });

  it('rejects an unknown format', () => {
    expect(() => formatReview('xml' as ReportFormat, makeReview(), OPTIONS)).toThrow(
      'unknown report format: xml',
    );
  });

  it('never emits escape codes except in colour text', () => {
    for (const format of REPORT_FORMATS) {
      const out = formatReview(format, makeReview(), { ...OPTIONS, color: format !== 'text' });
      expect(out).not.toContain('\u001b');
    }
  });
});
