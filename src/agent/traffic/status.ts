/** The traffic controls as GET /status shows them (`traffic`), and `meridian traffic status` reads them. */
import type { TrafficControls } from '../../gslb/index.ts';

export interface TrafficStatus {
  /** `etcd`: read from the quorum; `none`: the topology has no etcd, so there are no traffic controls. */
  readonly source: 'etcd' | 'none';
  /** The last read succeeded. */
  readonly ok: boolean;
  /** Why not: no etcd, etcd not reachable (the last controls read stay in force), a document that does not parse. */
  readonly reason?: string;
  /** In force on this agent: what it last read. */
  readonly controls: TrafficControls;
  /** etcd mod revision of the document read, as decimal text ("0": none stored); null before the first read. */
  readonly revision: string | null;
  /** Wall clock of the last successful read. */
  readonly readAt: string | null;
}
