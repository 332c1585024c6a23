/**
 * report: drill reports as self-contained HTML (inline SVG charts, no script, nothing fetched),
 * written beside the JSON a drill saves. Pure: `renderOutageReportHtml({ report, history })`
 * returns the page; the caller writes it. Database drills: `renderDbDrillReportHtml({ report, history })`
 * (written by `saveDbDrillReport`), built on `reportPage` and `runbookChart`.
 * Kept out of src/observe/index.ts: it reads drill types, which the agent must not load.
 */
export {
  renderOutageReportHtml, replicationLagChart, runbookChart, reportPage, PALETTE,
  type OutageHtmlInput, type DataStoreTrack, type ReplicationLagSample, type RunbookStepRecord,
} from './drill-html.ts';
export { valueChart, stripChart, escapeXml, niceStep, type TimeAxis, type Mark, type LineSeries, type BarSeries, type StripRow, type Segment } from './svg.ts';
export { requestBuckets, answerRuns, bucketWidthMs, quantile, type RequestBucket, type AnswerRun } from './series.ts';
export { renderDbDrillReportHtml, type DbDrillHtmlInput } from './db-drill-html.ts';
