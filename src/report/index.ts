// The fleet report in the three formats `recon export` and the final power-down write (pure).
import type { ReconState } from '../model/reducer.js';
import { buildFleetReport, detailSections, type ReportInput, type ReportMeta } from './rows.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';

export type ReportFormat = 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'csv', 'html'];

/** From a state alone (details from the inventory summaries), or a state with its inventories and sources. */
export function renderReport(
  input: ReportInput | ReconState,
  format: ReportFormat,
  meta: ReportMeta,
): string {
  const report = buildFleetReport(input, meta);
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'csv':
      return renderCsv(report);
    case 'html':
      return renderHtml(report, detailSections(input));
  }
}
