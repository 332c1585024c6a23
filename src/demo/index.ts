/**
 * demo: the small web service the lab runs as each region's instances (`meridian demo-app`).
 * `startDemoApp` binds every listen address and returns a handle to close it; extend it by
 * passing more routes (`{ ...DEFAULT_ROUTES, ...orderRoutes(store) }`).
 * With a store configured it also writes orders to the store's primary (orders.ts, orders-pg.ts):
 * the caller creates the OrdersStore, passes its routes, and closes it after the app.
 */
export {
  startDemoApp,
  createDemoHandler,
  matchRoute,
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
  type RouteParams,
} from './app.ts';
export {
  orderRoutes,
  parseOrderRequest,
  parseSince,
  type Order,
  type OrdersStore,
  type InsertOutcome,
  type ReadOutcome,
  type ServedBy,
} from './orders.ts';
export { createPgOrdersStore, type PgOrdersConfig } from './orders-pg.ts';
export { ordersConfigFrom, APP_LOGIN_ENV, type OrdersCliOptions } from './orders-config.ts';
export { primaryCandidates, type Candidates, type LookupA } from './primary-address.ts';
export { parseListen, formatListen, type ListenAddress } from './listen.ts';
export { RequestCounter, REQUESTS_METRIC } from './request-counter.ts';
