/**
 * Zombie acknowledgements over many rounds (pure): writes acknowledged by a server that the
 * primary record no longer named, or never named, when the write was SENT.
 *
 * The record only moves forward (every new record has a newer fencing token), and a newer record
 * naming another region is written only once the previous primary's lease has expired, so from
 * then on the previous primary must refuse writes (its agent fences it). A sighting is dated by
 * when an agent's /status showing it ARRIVED, which is never before the record changed in etcd:
 * a write sent after that moment went to a primary that was already superseded. Writes in flight
 * across the change are not judged (their commit may predate it), so nothing here is a guess.
 *
 * A record names a server when the regions match and the server's timeline is not older than the
 * record's (the record may lag a promotion's new timeline; an older timeline is an earlier
 * incarnation of that region's primary).
 */
import { compareTokens } from './convergence.ts';

/** The first time any agent showed a record with this token. */
export interface RecordSighting {
  readonly token: string;
  readonly region: string;
  readonly timeline?: number;
  readonly firstSeenAtMs: number;
  /** The agent that showed it first. */
  readonly by: string;
}

export interface AckedWrite {
  readonly id: string;
  readonly client: string;
  readonly sentAtMs: number;
  readonly ackedAtMs?: number;
  readonly outcome: 'ok' | 'fail' | 'unknown';
  readonly server?: { readonly region: string; readonly timeline?: number; readonly systemId?: string };
}

export interface ZombieAck {
  readonly id: string;
  readonly client: string;
  readonly sentAtMs: number;
  readonly ackedAtMs: number;
  /** `region/tlN`. */
  readonly server: string;
  /** `superseded`: a newer record named another primary before the write was sent. `neverNamed`: no record ever named this server. */
  readonly why: 'superseded' | 'neverNamed';
  /** The record the agents showed when the write was sent. */
  readonly recordThen: { readonly region: string; readonly token: string; readonly seenAtMs: number };
}

export function findZombieAcks(ops: readonly AckedWrite[], sightings: readonly RecordSighting[]): ZombieAck[] {
  const records = [...sightings].sort((a, b) => compareTokens(a.token, b.token));
  return ops.flatMap((op) => {
    if (op.outcome !== 'ok' || !op.server || op.ackedAtMs === undefined) return [];
    const judged = judge(op.server, op.sentAtMs, records);
    if (!judged) return [];
    const server = `${op.server.region}${op.server.timeline === undefined ? '' : `/tl${op.server.timeline}`}`;
    return [{ id: op.id, client: op.client, sentAtMs: op.sentAtMs, ackedAtMs: op.ackedAtMs, server, ...judged }];
  });
}

function judge(server: NonNullable<AckedWrite['server']>, sentAtMs: number, records: readonly RecordSighting[]): Pick<ZombieAck, 'why' | 'recordThen'> | undefined {
  const naming = records.filter((r) => names(r, server));
  const then = (r: RecordSighting) => ({ region: r.region, token: r.token, seenAtMs: r.firstSeenAtMs });
  if (naming.length === 0) {
    const known = records.filter((r) => r.firstSeenAtMs < sentAtMs).at(-1);
    return known ? { why: 'neverNamed', recordThen: then(known) } : undefined;
  }
  const lastNaming = naming.at(-1)!.token;
  const successors = records.filter((r) => compareTokens(r.token, lastNaming) > 0 && !names(r, server));
  const first = successors.sort((a, b) => a.firstSeenAtMs - b.firstSeenAtMs)[0];
  return first && first.firstSeenAtMs < sentAtMs ? { why: 'superseded', recordThen: then(first) } : undefined;
}

function names(record: RecordSighting, server: NonNullable<AckedWrite['server']>): boolean {
  if (record.region !== server.region) return false;
  return record.timeline === undefined || server.timeline === undefined || server.timeline >= record.timeline;
}
