/**
 * Types of operator-actions.js (plain JavaScript, because the page inlines it as it is). The input
 * is the subset of the agents' /status the model reads: AgentStatus (src/agent/status.ts) is
 * assignable to OperatorStatusReading.
 */

export interface ControlReading {
  readonly region: string;
  readonly service?: string;
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly forced: boolean;
}

export interface OperatorStatusReading {
  readonly answers?: readonly { readonly service: string }[];
  readonly services?: readonly { readonly regions: readonly { readonly region: string }[] }[];
  readonly traffic?: {
    readonly source: 'etcd' | 'none';
    readonly reason?: string;
    readonly revision: string | null;
    readonly controls: { readonly drains: readonly ControlReading[]; readonly weights: readonly (Omit<ControlReading, 'service'> & { readonly service: string; readonly weight: number })[] };
  };
  readonly stores?: {
    readonly stores: readonly {
      readonly store: string;
      readonly supervised: boolean;
      readonly primary: { readonly region: string } | null;
      readonly coordinator: { readonly holder: string | null; readonly self: boolean };
      readonly replication?: readonly { readonly region: string; readonly state: string }[];
    }[];
  };
}

export interface OperatorReading {
  readonly region: string;
  readonly origin?: string | null;
  readonly status: OperatorStatusReading;
}

export interface OperatorModel {
  readonly traffic: { readonly revision: string; readonly readBy: string; readonly drains: readonly ControlReading[]; readonly weights: readonly unknown[] } | null;
  readonly trafficReason: string | null;
  readonly services: readonly string[];
  readonly regions: readonly { readonly region: string; readonly drainedForAll: boolean }[];
  readonly stores: readonly {
    readonly store: string;
    readonly primary: string | null;
    readonly coordinator: string | null;
    readonly here: boolean;
    readonly coordinatorOrigin: string | null;
    readonly targets: readonly string[];
  }[];
}

export type OperatorAction =
  | { readonly kind: 'drain' | 'undrain'; readonly region: string; readonly service?: string }
  | { readonly kind: 'switchover'; readonly store: string; readonly to: string };

export function operatorModel(fresh: readonly OperatorReading[], selfRegion: string | null): OperatorModel;
export function operatorPanelKey(model: OperatorModel): string;
export function actionRequest(action: OperatorAction, who: string, reason: string, force: boolean): { path: string; body: Record<string, unknown> };
export function outcomeText(status: number, body: unknown): { ok: boolean; refused: boolean; text: string };
export function renderOperatorActions(model: OperatorModel, h: (...args: unknown[]) => unknown): unknown[];
export function confirmAction(action: OperatorAction, model: OperatorModel): void;
