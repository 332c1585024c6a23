#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx meridian` needs no build step
// and always matches the checkout.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
