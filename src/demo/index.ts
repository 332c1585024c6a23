/**
 * demo: the small web service the lab runs as each region's instances (`meridian demo-app`).
 * `startDemoApp` binds every listen address and returns a handle to close it; extend it by
 * passing more routes (`{ ...DEFAULT_ROUTES, 'POST /orders': handler }`).
 */
export {
  startDemoApp,
  createDemoHandler,
  sendJson,
  whoAmI,
  healthz,
  DEFAULT_ROUTES,
  type DemoApp,
  type DemoAppOptions,
  type DemoContext,
  type DemoHandler,
  type DemoIdentity,
  type DemoRoutes,
} from './app.ts';
export { parseListen, formatListen, type ListenAddress } from './listen.ts';
