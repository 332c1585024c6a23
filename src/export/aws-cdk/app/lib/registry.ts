/**
 * ECR in the home region: the topology's repositories, and the registry's replication to every
 * other AWS region (AWS creates the repositories there on the first replicated push). A registry
 * has one replication configuration: this one replaces any set by other means.
 */
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { idOf } from './ids.ts';

export interface ReplicaRegistry {
  readonly awsRegion: string;
  readonly account: string;
}

export class Repositories extends Construct {
  constructor(scope: Construct, id: string, names: readonly string[], replicas: readonly ReplicaRegistry[]) {
    super(scope, id);
    for (const name of names) {
      new ecr.Repository(this, idOf(name), { repositoryName: name, imageScanOnPush: true });
    }
    if (replicas.length === 0 || names.length === 0) return;
    new ecr.CfnReplicationConfiguration(this, 'Replication', {
      replicationConfiguration: {
        rules: [{
          destinations: replicas.map((r) => ({ region: r.awsRegion, registryId: r.account })),
          repositoryFilters: names.map((name) => ({ filter: name, filterType: 'PREFIX_MATCH' })),
        }],
      },
    });
  }
}
