/**
 * `node --import ./test/support/import-recorder.js …` writes to $MERIDIAN_IMPORT_LOG, one URL a
 * line, every module the process loads: what the ESM resolver returns (our modules and every
 * package entry) and, at exit, every CommonJS file in require's cache (what packages require
 * inside themselves). Plain JavaScript, so it also runs in front of the compiled dist/.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const log = process.env.MERIDIAN_IMPORT_LOG;
if (!log) throw new Error('import-recorder: set MERIDIAN_IMPORT_LOG');

// The hooks run on the loader's own thread; a data: URL keeps them in this one file.
const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: log });

process.on('exit', () => {
  const files = Object.keys(createRequire(import.meta.url).cache);
  appendFileSync(log, files.map((file) => `${pathToFileURL(file).href}\n`).join(''));
});
