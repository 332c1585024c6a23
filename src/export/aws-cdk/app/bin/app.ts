/**
 * Entry of the exported CDK app: reads the plan `meridian export aws-cdk` wrote beside it and
 * builds the stacks. Accounts the topology lacks and load balancer ARNs come from cdk.json's
 * context (see README.md).
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildMeridianApp } from '../lib/meridian-app.ts';
import type { MeridianCdkPlan } from '../lib/plan-types.ts';

const plan = JSON.parse(readFileSync(new URL('../plan.json', import.meta.url), 'utf8')) as MeridianCdkPlan;
const app = new App();
buildMeridianApp(app, plan);
app.synth();
