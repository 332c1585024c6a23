/**
 * Which timeline history the coordinator judges standbys against. Pure.
 *
 * The recorded primary's own history is the truth, but the coordinator only has it once it saw
 * that primary answer. A primary promoted a moment ago that stops answering before the next look
 * (or a coordinator elected after the promotion) leaves it with the PREVIOUS primary's history.
 * Every standby that follows the new primary is then on a timeline that history does not know, and
 * was taken for diverged: in the lab a wedged new primary left "no standby can be promoted" for
 * good, the standby that held every write among them.
 *
 * So a history older than the record's timeline is replaced by the history the members on the
 * record's timeline hold: a standby fetches its timeline's history file from the primary that
 * created it. Only when they all agree with each other and continue the remembered one: two
 * same-numbered timelines on different branches must stay a divergence, not be guessed at.
 */
import { historiesAgree, type TimelineHistory } from '../../data/index.ts';

export interface MemberHistory {
  readonly timeline: number;
  readonly history: TimelineHistory | undefined;
}

export function clusterHistory(
  remembered: TimelineHistory | undefined,
  recordTimeline: number | undefined,
  reachable: readonly MemberHistory[],
): TimelineHistory | undefined {
  if (!remembered) return newestAgreed(reachable);
  if (recordTimeline === undefined || remembered.timeline >= recordTimeline) return remembered;
  const onRecord = reachable.filter((m) => m.timeline === recordTimeline).map((m) => m.history);
  const first = onRecord[0];
  if (!first || onRecord.some((h) => !h || !historiesAgree(h, first))) return remembered;
  return continues(first, remembered) ? first : remembered;
}

/** Never saw a primary: the newest history any member holds, if those on that timeline agree. */
function newestAgreed(reachable: readonly MemberHistory[]): TimelineHistory | undefined {
  const newest = Math.max(0, ...reachable.filter((m) => m.history).map((m) => m.timeline));
  const on = reachable.filter((m) => m.timeline === newest).map((m) => m.history).filter((h): h is TimelineHistory => !!h);
  const first = on[0];
  return first && on.every((h) => historiesAgree(h, first)) ? first : undefined;
}

/** `later` descends from `earlier`: it lists earlier's timeline as an ancestor and agrees on the rest. */
function continues(later: TimelineHistory, earlier: TimelineHistory): boolean {
  return later.ancestors.some((a) => a.timeline === earlier.timeline) && historiesAgree(later, earlier);
}
