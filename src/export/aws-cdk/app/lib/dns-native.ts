/**
 * `native`: a Route 53 hosted zone for the global zone answers by itself. Per service, an HTTP
 * health check per public endpoint and the records of its policy, each carrying its check.
 */
import { CfnOutput, CfnResource, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { HealthCheckPlan, NativeDns, NativeService, RecordPlan } from './plan-types.ts';

export class NativeZone extends Construct {
  constructor(scope: Construct, id: string, zoneName: string, dns: NativeDns) {
    super(scope, id);
    const zone = new route53.PublicHostedZone(this, 'Zone', { zoneName });
    const nameServers = zone.hostedZoneNameServers ?? [];
    new CfnOutput(this, 'NameServers', { value: Fn.join(' ', nameServers), description: `Name servers of ${zoneName}` });
    if (dns.parentZoneId !== null) {
      new route53.ZoneDelegationRecord(this, 'Delegation', {
        zone: route53.HostedZone.fromHostedZoneId(this, 'Parent', dns.parentZoneId),
        recordName: `${zoneName}.`,
        nameServers,
        ttl: Duration.seconds(dns.nsTtl),
      });
    }
    for (const service of dns.services) this.addService(zone, service, dns.ttl);
    // The zone, its records and checks outlive the stack's hold on them (moving to `delegate`,
    // or destroy): resolvers that cached Route 53's name servers keep getting health-checked
    // answers until the delegation's TTL runs out. Delete them by hand afterwards.
    for (const child of this.node.findAll()) {
      if (child instanceof CfnResource && child.cfnResourceType !== 'AWS::Route53::RecordSet') child.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }

  private addService(zone: route53.IHostedZone, service: NativeService, ttl: number): void {
    const scope = new Construct(this, service.service);
    const checks = new Map<string, route53.CfnHealthCheck>();
    for (const plan of service.healthChecks) checks.set(plan.id, healthCheck(scope, plan, checks));
    const checkId = (id: string) => {
      const check = checks.get(id);
      if (!check) throw new Error(`plan.json: record of ${service.name} names unknown health check ${id}`);
      return check.attrHealthCheckId;
    };
    // One change batch per service: both failover roles (or all weights) appear together.
    new route53.CfnRecordSetGroup(scope, 'Records', {
      hostedZoneId: zone.hostedZoneId,
      comment: `${service.name}: answers per the service's policy`,
      recordSets: service.records.map((r) => recordSet(service.name, r, checkId(r.healthCheck), ttl)),
    });
  }
}

function healthCheck(scope: Construct, plan: HealthCheckPlan, built: ReadonlyMap<string, route53.CfnHealthCheck>): route53.CfnHealthCheck {
  const config: route53.CfnHealthCheck.HealthCheckConfigProperty = plan.type === 'HTTP'
    ? {
      type: 'HTTP',
      ipAddress: plan.ip,
      port: plan.port,
      resourcePath: plan.path,
      requestInterval: plan.requestInterval,
      failureThreshold: plan.failureThreshold,
    }
    : {
      type: 'CALCULATED',
      childHealthChecks: plan.children.map((id) => {
        const child = built.get(id);
        if (!child) throw new Error(`plan.json: health check ${plan.id} lists ${id} before it is defined`);
        return child.attrHealthCheckId;
      }),
      healthThreshold: 1,
    };
  return new route53.CfnHealthCheck(scope, plan.id, {
    healthCheckConfig: config,
    healthCheckTags: [{ key: 'Name', value: `meridian ${plan.id}` }],
  });
}

function recordSet(name: string, r: RecordPlan, healthCheckId: string, ttl: number): route53.CfnRecordSetGroup.RecordSetProperty {
  const base = { name: `${name}.`, type: r.type, ttl: String(ttl), resourceRecords: [...r.values], setIdentifier: r.setIdentifier, healthCheckId };
  const routing = r.routing;
  switch (routing.policy) {
    case 'failover': return { ...base, failover: routing.role };
    case 'weighted': return { ...base, weight: routing.weight };
    case 'latency': return { ...base, region: routing.awsRegion };
    case 'geoproximity': return { ...base, geoProximityLocation: { coordinates: { latitude: routing.latitude, longitude: routing.longitude } } };
    case 'multivalue': return { ...base, multiValueAnswer: true };
  }
}
