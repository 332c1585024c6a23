/**
 * Aurora Global Database for one store: the global cluster and the primary cluster in the store's
 * primary region, a secondary (read-only, promoted by AWS on failover) in each replica region.
 * The secondaries name the global cluster by its identifier, a plain string: no cross-region
 * reference, only a deploy order (the app makes replica regions' stacks wait for the primary's).
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { AuroraPlan } from './plan-types.ts';

const ENGINE = 'aurora-postgresql';
const ADMIN_USER = 'meridian_admin';

const clusterIdentifier = (plan: AuroraPlan, scope: Construct) => `${plan.globalClusterIdentifier}-${Stack.of(scope).region}`;
const isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

export class AuroraPrimary extends Construct {
  readonly cluster: rds.DatabaseCluster;

  /** `replicaAwsRegions`: where the admin secret is replicated, so apps there can log in after a failover. */
  constructor(scope: Construct, id: string, plan: AuroraPlan, vpc: ec2.IVpc, replicaAwsRegions: readonly string[]) {
    super(scope, id);
    const global = new rds.CfnGlobalCluster(this, 'Global', {
      globalClusterIdentifier: plan.globalClusterIdentifier,
      engine: ENGINE,
      engineVersion: plan.engineVersion,
      storageEncrypted: true,
    });
    const major = plan.engineVersion.split('.')[0] ?? plan.engineVersion;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.of(plan.engineVersion, major) }),
      clusterIdentifier: clusterIdentifier(plan, this),
      writer: rds.ClusterInstance.provisioned('Writer', { instanceType: new ec2.InstanceType(plan.instanceClass) }),
      vpc,
      vpcSubnets: isolatedSubnets,
      port: plan.port,
      defaultDatabaseName: plan.database,
      storageEncrypted: true,
      credentials: rds.Credentials.fromGeneratedSecret(ADMIN_USER, {
        replicaRegions: replicaAwsRegions.map((region) => ({ region })),
      }),
    });
    // The L2 construct has no global cluster property: join it through the CloudFormation resource.
    const cfn = this.cluster.node.defaultChild as rds.CfnDBCluster;
    cfn.globalClusterIdentifier = global.ref;
  }
}

export class AuroraSecondary extends Construct {
  constructor(scope: Construct, id: string, plan: AuroraPlan, vpc: ec2.IVpc) {
    super(scope, id);
    const subnets = new rds.SubnetGroup(this, 'Subnets', {
      vpc,
      vpcSubnets: isolatedSubnets,
      description: `${plan.store}: secondary cluster of ${plan.globalClusterIdentifier}`,
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${plan.store}: secondary cluster; add ingress from your clusters on port ${plan.port}`,
      allowAllOutbound: false,
    });
    // A secondary has no credentials of its own (they come from the primary) and must not set
    // any, which the L2 DatabaseCluster always does: hence the CloudFormation resources.
    const cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterIdentifier: clusterIdentifier(plan, this),
      globalClusterIdentifier: plan.globalClusterIdentifier,
      engine: ENGINE,
      engineVersion: plan.engineVersion,
      port: plan.port,
      dbSubnetGroupName: subnets.subnetGroupName,
      vpcSecurityGroupIds: [securityGroup.securityGroupId],
      storageEncrypted: true,
      // An encrypted global database's secondary needs a key of its own region: RDS's default one.
      kmsKeyId: 'alias/aws/rds',
    });
    new rds.CfnDBInstance(this, 'Reader', {
      dbClusterIdentifier: cluster.ref,
      engine: ENGINE,
      dbInstanceClass: `db.${plan.instanceClass}`,
    });
  }
}
