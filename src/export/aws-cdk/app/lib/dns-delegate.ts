/**
 * `delegate`: the parent domain's hosted zone hands the global zone to Meridian's agents. NS
 * records name `ns-<region>.<zone>` and glue A/AAAA records give their addresses, so resolvers
 * ask the agents, whose answers follow the quorum-checked health view.
 */
import { Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { DelegatedDns } from './plan-types.ts';

export class DelegatedZone extends Construct {
  constructor(scope: Construct, id: string, zone: string, dns: DelegatedDns) {
    super(scope, id);
    const parent = route53.HostedZone.fromHostedZoneId(this, 'Parent', dns.parentZoneId);
    const ttl = Duration.seconds(dns.ttl);
    // Names end with a dot: fully qualified, so the parent zone's name need not be known here.
    new route53.NsRecord(this, 'Delegation', {
      zone: parent,
      recordName: `${zone}.`,
      values: dns.nameServers.map((ns) => `${ns.name}.`),
      ttl,
    });
    for (const ns of dns.nameServers) {
      const props = { zone: parent, recordName: `${ns.name}.`, target: route53.RecordTarget.fromIpAddresses(ns.address), ttl };
      if (ns.type === 'A') new route53.ARecord(this, `Glue-${ns.name}`, props);
      else new route53.AaaaRecord(this, `Glue-${ns.name}`, props);
    }
  }
}
