// The fleet report in the three formats `recon export` and the final power-down write (pure).
import type { ReconState } from '../model/reducer.js';
import { buildFleetReport, type ReportMeta } from './rows.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';

export type ReportFormat = 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'csv', 'html'];

export function renderReport(state: ReconState, format: ReportFormat, meta: ReportMeta): string {
  const report = buildFleetReport(state, meta);
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'csv':
      return renderCsv(report);
    case 'html':
      return renderHtml(report);
  }
}
