/** Where the etcd leader should be (src/coord/leader-placement.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseLeader, type EtcdMemberInfo } from '../../../src/coord/leader-placement.ts';

const m = (id: string, region: string | undefined, healthy = true): EtcdMemberInfo => ({ id, region, healthy });
const three = [m('1', 'eu'), m('2', 'us'), m('3', 'ap')];

const cases: { name: string; members: EtcdMemberInfo[]; leader: string; primaries: string[]; expected: string | 'stay' }[] = [
  { name: 'leader holds no primary: stay', members: three, leader: '2', primaries: ['eu'], expected: 'stay' },
  { name: 'leader holds the primary: move to the first other region (by name)', members: three, leader: '1', primaries: ['eu'], expected: '3' },
  { name: 'never to an unhealthy member', members: [m('1', 'eu'), m('2', 'us'), m('3', 'ap', false)], leader: '1', primaries: ['eu'], expected: '2' },
  { name: 'to the region with the fewest primaries', members: three, leader: '1', primaries: ['eu', 'eu', 'ap'], expected: '2' },
  { name: 'every region holds one: nowhere better, stay', members: three, leader: '1', primaries: ['eu', 'us', 'ap'], expected: 'stay' },
  { name: 'a member with no region is never chosen', members: [m('1', 'eu'), m('2', undefined)], leader: '1', primaries: ['eu'], expected: 'stay' },
  { name: 'unknown leader id: stay', members: three, leader: '9', primaries: ['eu'], expected: 'stay' },
];

for (const c of cases) {
  test(c.name, () => {
    const move = chooseLeader(c.members, c.leader, c.primaries);
    assert.equal(move.kind === 'move' ? move.to.id : 'stay', c.expected, move.why);
  });
}
