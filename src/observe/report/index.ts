/**
 * report: drill reports as self-contained HTML (inline SVG charts, no script, nothing fetched),
 * written beside the JSON a drill saves. Pure: `renderOutageReportHtml({ report, history })`
 * returns the page; the caller writes it (src/cli/drill-reports.ts). Database drills:
 * `renderDbDrillReportHtml({ report, history })`, built on `reportPage` and `runbookChart`.
 * A drill returns data and observe never imports drill: the pages take the plain shapes of
 * ./inputs.ts, which a drill's saved `{ report, history }` satisfies.
 * Kept out of src/observe/index.ts: the agent has no use for it.
 */
export type * from './inputs.ts';
export {
  renderOutageReportHtml, replicationLagChart, runbookChart, reportPage, PALETTE,
  type OutageHtmlInput, type DataStoreTrack, type ReplicationLagSample, type RunbookStepRecord,
} from './drill-html.ts';
export { valueChart, stripChart, escapeXml, niceStep, type TimeAxis, type Mark, type LineSeries, type BarSeries, type StripRow, type Segment } from './svg.ts';
export { requestBuckets, answerRuns, bucketWidthMs, quantile, type RequestBucket, type AnswerRun } from './series.ts';
export { renderDbDrillReportHtml, type DbDrillHtmlInput } from './db-drill-html.ts';
