/**
 * The exported CDK app's constructs (src/export/aws-cdk/app), synthesized in-process with
 * aws-cdk-lib's App and checked with aws-cdk-lib/assertions. No AWS API is called and no account
 * is needed: the CloudFormation templates are checked, not deployed. Two apps are synthesized
 * (aws-cdk-lib is heavy), each checked by many assertions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { accountKey, endpointKey } from '../../../../src/export/aws-cdk/app/lib/context-keys.ts';
import { buildMeridianApp } from '../../../../src/export/aws-cdk/app/lib/meridian-app.ts';
import { planAwsCdk } from '../../../../src/export/aws-cdk/plan.ts';
import { ACCOUNT, full, fullContext, native } from './fixtures.ts';

const templateOf = (stack: Stack | undefined) => {
  assert.ok(stack, 'stack exists');
  return Template.fromStack(stack);
};

const fullApp = new App({ context: fullContext() });
const fullStacks = buildMeridianApp(fullApp, planAwsCdk(full()));
const nativeApp = new App();
const nativeStacks = buildMeridianApp(nativeApp, planAwsCdk(native()));

describe('aws-cdk app: the full topology (delegate, GA, Aurora, ECR, secrets)', () => {
  const app = fullApp;
  const stacks = fullStacks;
  const global = templateOf(stacks.global);
  const region = (name: string) => templateOf(stacks.regional.get(name));
  const secrets = templateOf(stacks.secrets ?? undefined);

  test('a stack per AWS region plus the global and secrets stacks, each in its account and region', () => {
    const envs = app.node.children.filter(Stack.isStack).map((s) => [s.stackName, s.account, s.region]);
    assert.deepEqual(envs, [
      ['Meridian-Global', ACCOUNT, 'eu-west-1'],
      ['Meridian-eu-west', ACCOUNT, 'eu-west-1'],
      ['Meridian-us-east', ACCOUNT, 'us-east-1'],
      ['Meridian-ap-south', ACCOUNT, 'ap-south-1'],
      ['Meridian-Secrets', ACCOUNT, 'eu-west-1'],
    ]);
  });

  test('delegate: NS for the zone in the parent zone, glue A/AAAA per agent', () => {
    global.resourceCountIs('AWS::Route53::HostedZone', 0);
    global.resourceCountIs('AWS::Route53::RecordSet', 4);
    global.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABC',
      Name: 'global.example.com.',
      Type: 'NS',
      TTL: '300',
      ResourceRecords: ['ns-eu-west.global.example.com.', 'ns-us-east.global.example.com.', 'ns-ap-south.global.example.com.'],
    });
    global.hasResourceProperties('AWS::Route53::RecordSet', { HostedZoneId: 'Z0123456789ABC', Name: 'ns-us-east.global.example.com.', Type: 'A', ResourceRecords: ['203.0.113.20'] });
    global.hasResourceProperties('AWS::Route53::RecordSet', { HostedZoneId: 'Z0123456789ABC', Name: 'ns-ap-south.global.example.com.', Type: 'AAAA', ResourceRecords: ['2001:db8::30'] });
  });

  test('Global Accelerator: a listener on the service port, an endpoint group per region with its dial', () => {
    global.resourceCountIs('AWS::GlobalAccelerator::Accelerator', 2);
    global.hasResourceProperties('AWS::GlobalAccelerator::Accelerator', { Name: 'meridian-web' });
    global.hasResourceProperties('AWS::GlobalAccelerator::Listener', { Protocol: 'TCP', PortRanges: [{ FromPort: 443, ToPort: 443 }] });
    global.resourceCountIs('AWS::GlobalAccelerator::EndpointGroup', 6);
    for (const [awsRegion, region, dial] of [['eu-west-1', 'eu-west', 100], ['us-east-1', 'us-east', 50], ['ap-south-1', 'ap-south', 0]] as const) {
      global.hasResourceProperties('AWS::GlobalAccelerator::EndpointGroup', {
        EndpointGroupRegion: awsRegion,
        TrafficDialPercentage: dial,
        HealthCheckPort: 443,
        HealthCheckPath: '/healthz',
        EndpointConfigurations: [{ EndpointId: `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/net/web/${region}` }],
      });
    }
  });

  test('Aurora: the global cluster and primary in eu-west, secondaries in us-east and ap-south after it', () => {
    const eu = region('eu-west');
    eu.hasResourceProperties('AWS::RDS::GlobalCluster', { GlobalClusterIdentifier: 'meridian-orders', Engine: 'aurora-postgresql', EngineVersion: '16.6', StorageEncrypted: true });
    eu.hasResourceProperties('AWS::RDS::DBCluster', {
      DBClusterIdentifier: 'meridian-orders-eu-west-1',
      GlobalClusterIdentifier: { Ref: Match.stringLikeRegexp('^AuroraordersGlobal') },
      DatabaseName: 'orders',
      MasterUsername: 'meridian_admin',
    });
    eu.hasResourceProperties('AWS::SecretsManager::Secret', { ReplicaRegions: [{ Region: 'us-east-1' }, { Region: 'ap-south-1' }] });
    eu.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '172.16.0.0/16' });
    for (const [name, awsRegion] of [['us-east', 'us-east-1'], ['ap-south', 'ap-south-1']] as const) {
      const t = region(name);
      t.resourceCountIs('AWS::RDS::GlobalCluster', 0);
      t.hasResourceProperties('AWS::RDS::DBCluster', {
        DBClusterIdentifier: `meridian-orders-${awsRegion}`,
        GlobalClusterIdentifier: 'meridian-orders',
        StorageEncrypted: true,
        KmsKeyId: 'alias/aws/rds',
        MasterUsername: Match.absent(),
      });
      t.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r6g.large', Engine: 'aurora-postgresql' });
      assert.ok(stacks.regional.get(name)?.dependencies.includes(stacks.regional.get('eu-west') as Stack), `${name} waits for eu-west`);
    }
    region('us-east').hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '172.17.0.0/16' });
  });

  test('ECR: the repositories in the home region, replicated to every other AWS region', () => {
    const eu = region('eu-west');
    eu.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'shop/web', ImageScanningConfiguration: { ScanOnPush: true } });
    eu.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'shop/api' });
    eu.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [{
          Destinations: [{ Region: 'us-east-1', RegistryId: ACCOUNT }, { Region: 'ap-south-1', RegistryId: ACCOUNT }],
          RepositoryFilters: [{ Filter: 'shop/web', FilterType: 'PREFIX_MATCH' }, { Filter: 'shop/api', FilterType: 'PREFIX_MATCH' }],
        }],
      },
    });
    for (const name of ['us-east', 'ap-south']) region(name).resourceCountIs('AWS::ECR::Repository', 0);
  });

  test('secrets: a multi-region primary key, replica keys with the same alias, secrets replicated with it', () => {
    global.hasResourceProperties('AWS::KMS::Key', { MultiRegion: true, EnableKeyRotation: true });
    global.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/meridian-secrets' });
    for (const name of ['us-east', 'ap-south']) {
      const t = region(name);
      t.hasResourceProperties('AWS::KMS::ReplicaKey', { PrimaryKeyArn: Match.anyValue() });
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/meridian-secrets', TargetKeyId: { 'Fn::GetAtt': ['SecretsKey', 'KeyId'] } });
    }
    region('eu-west').resourceCountIs('AWS::KMS::ReplicaKey', 0);
    secrets.resourceCountIs('AWS::SecretsManager::Secret', 2);
    secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'orders/db',
      Description: 'orders database login',
      KmsKeyId: 'alias/meridian-secrets',
      ReplicaRegions: [{ Region: 'us-east-1', KmsKeyId: 'alias/meridian-secrets' }, { Region: 'ap-south-1', KmsKeyId: 'alias/meridian-secrets' }],
    });
    const deps = stacks.secrets?.dependencies.map((s) => s.stackName).sort();
    assert.deepEqual(deps, ['Meridian-Global', 'Meridian-ap-south', 'Meridian-us-east']);
  });
});

describe('aws-cdk app: Route 53 native, one service per policy', () => {
  const app = nativeApp;
  const global = Template.fromStack(nativeStacks.global);
  const recordSets = (name: string): Record<string, unknown>[] => {
    const groups = Object.values(global.findResources('AWS::Route53::RecordSetGroup')) as { Properties: { RecordSets: Record<string, unknown>[] } }[];
    return groups.flatMap((g) => g.Properties.RecordSets).filter((r) => r.Name === `${name}.global.example.com.`);
  };

  test('only the global stack: no regional stack holds anything, the GCP region never gets one', () => {
    assert.deepEqual(app.node.children.filter(Stack.isStack).map((s) => s.stackName), ['Meridian-Global']);
  });

  test('a hosted zone for the global zone, delegated from the parent to its name servers', () => {
    global.hasResourceProperties('AWS::Route53::HostedZone', { Name: 'global.example.com.' });
    global.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABC',
      Name: 'global.example.com.',
      Type: 'NS',
      TTL: '300',
      ResourceRecords: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DnsZone'), 'NameServers'] },
    });
  });

  test('HTTP health checks per endpoint on the service port and path, a calculated one per multi-address region', () => {
    global.resourceCountIs('AWS::Route53::HealthCheck', 16);
    global.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'HTTP', IPAddress: '2001:db8::10', Port: 8080, ResourcePath: '/ready', RequestInterval: 10, FailureThreshold: 3 },
    });
    global.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'CALCULATED', HealthThreshold: 1, ChildHealthChecks: [Match.anyValue(), Match.anyValue()] },
    });
  });

  test('every record carries a health check of this stack', () => {
    const groups = Object.values(global.findResources('AWS::Route53::RecordSetGroup')) as { Properties: { RecordSets: { HealthCheckId: unknown }[] } }[];
    const checks = new Set(Object.keys(global.findResources('AWS::Route53::HealthCheck')));
    const all = groups.flatMap((g) => g.Properties.RecordSets);
    assert.equal(all.length, 14);
    for (const r of all) {
      const [logicalId] = (r.HealthCheckId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      assert.ok(checks.has(logicalId), JSON.stringify(r));
    }
  });

  test('records per policy: failover roles, weights, latency regions, coordinates, multivalue', () => {
    const pick = (name: string, key: string) => recordSets(name).map((r) => [r.Type, r.SetIdentifier, r[key]]);
    assert.deepEqual(pick('web', 'Failover'), [['A', 'eu-west', 'PRIMARY'], ['A', 'us-east', 'SECONDARY'], ['AAAA', 'eu-west', 'PRIMARY']]);
    assert.deepEqual(pick('shop', 'Weight'), [['A', 'eu-west', 255], ['A', 'us-east', 128], ['A', 'europe', 0]]);
    assert.deepEqual(pick('fast', 'Region'), [['A', 'eu-west', 'eu-west-1'], ['A', 'us-east', 'us-east-1']]);
    assert.deepEqual(pick('near', 'GeoProximityLocation'), [
      ['A', 'eu-west', { Coordinates: { Latitude: '53.35', Longitude: '-6.26' } }],
      ['A', 'us-east', { Coordinates: { Latitude: '38.90', Longitude: '-77.04' } }],
      ['A', 'europe', { Coordinates: { Latitude: '50.11', Longitude: '8.68' } }],
    ]);
    assert.deepEqual(recordSets('all').map((r) => [r.MultiValueAnswer, r.ResourceRecords]), [
      [true, ['198.51.100.10']], [true, ['198.51.100.11']], [true, ['198.51.100.20']],
    ]);
    assert.deepEqual(recordSets('web')[0]?.TTL, '5');
  });

  test('the parent NS record is the same resource in both modes, so a move to delegate updates it in place', () => {
    const delegation = (t: Template) => Object.keys(t.findResources('AWS::Route53::RecordSet', { Properties: { Name: 'global.example.com.', Type: 'NS' } }));
    const inDelegate = delegation(Template.fromStack(fullStacks.global));
    assert.equal(inDelegate.length, 1);
    assert.deepEqual(delegation(global), inDelegate);
  });

  test('the native zone and its checks outlive the stack (a move to delegate keeps cached resolvers answered)', () => {
    global.hasResource('AWS::Route53::HostedZone', { DeletionPolicy: 'Retain' });
    global.allResources('AWS::Route53::HealthCheck', { DeletionPolicy: 'Retain' });
    global.allResources('AWS::Route53::RecordSetGroup', { DeletionPolicy: 'Retain' });
    global.hasResource('AWS::Route53::RecordSet', { DeletionPolicy: Match.absent() });
  });
});

describe('aws-cdk app: what context must give, synth refuses without', () => {
  test('an account neither in the topology nor in context', () => {
    const context = fullContext();
    delete context[accountKey('ap-south')];
    assert.throws(() => buildMeridianApp(new App({ context }), planAwsCdk(full())),
      /region ap-south \(ap-south-1\) has no AWS account: put its 12-digit id in cdk\.json under "context" as "meridian:account:ap-south"/);
  });

  test('a placeholder left in place', () => {
    assert.throws(() => buildMeridianApp(new App({ context: { ...fullContext(), [accountKey('ap-south')]: 'FILL-IN-12-DIGIT-ACCOUNT-ID' } }), planAwsCdk(full())),
      /has no AWS account/);
  });

  test("a load balancer ARN for a service's accelerator", () => {
    const context = fullContext();
    delete context[endpointKey('api', 'us-east')];
    assert.throws(() => buildMeridianApp(new App({ context }), planAwsCdk(full())),
      /service api has a Global Accelerator but no endpoint in region us-east: put the ARN of its load balancer \(NLB or ALB\) there in cdk\.json under "context" as "meridian:endpoint:api:us-east"/);
  });

  test('a context account that splits Aurora and the secrets across accounts', () => {
    assert.throws(() => buildMeridianApp(new App({ context: { ...fullContext(), [accountKey('ap-south')]: '222222222222' } }), planAwsCdk(full())),
      /Aurora store orders spans regions eu-west, us-east, ap-south in different AWS accounts/);
  });
});
