/**
 * The compiled build (npm run build) finds everything the sources read from disk at run time:
 * the dashboard's assets, the CDK app copied verbatim, package.json, bin/ and the native addon.
 * Runs against dist/ when bin/meridian.js would run it (built and newer than src/; `npm test`
 * builds first), and is skipped otherwise.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { binRunsBuild } from '../../support/cli.ts';
import { dashboardHtml } from '../../../src/observe/dashboard/page.ts';
import { pinnedVersions, readAppSources } from '../../../src/export/aws-cdk/index.ts';
import { MERIDIAN_BIN } from '../../../src/lab/up.ts';
import { NATIVE_ADDON_PATH } from '../../../src/gslb/native-transport.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const built = (path: string) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

const skip = binRunsBuild() ? false : 'dist/ is not built, or older than src/: run npm run build';

describe('the compiled build', { skip }, () => {
  test('serves the same dashboard page as the sources', async () => {
    const page = await built('observe/dashboard/page.js');
    assert.equal(page.dashboardHtml(), dashboardHtml());
  });

  test('exports the same CDK app, pinned to the same versions', async () => {
    const cdk = await built('export/aws-cdk/index.js');
    assert.deepEqual(cdk.readAppSources(), readAppSources());
    assert.deepEqual(cdk.pinnedVersions(), pinnedVersions());
  });

  test('starts lab processes through bin/ and finds the native UDP transport', async () => {
    assert.equal((await built('lab/up.js')).MERIDIAN_BIN, MERIDIAN_BIN);
    assert.equal((await built('gslb/native-transport.js')).NATIVE_ADDON_PATH, NATIVE_ADDON_PATH);
    assert.ok(existsSync(MERIDIAN_BIN));
  });
});
