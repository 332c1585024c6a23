/**
 * Replicated secrets, encrypted with one multi-region KMS key: its primary in the home region
 * (global stack), a replica in every other AWS region (regional stacks), the same alias in
 * each, and the secrets (secrets stack) naming that alias in every region they replicate to.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { idOf } from './ids.ts';
import type { SecretsPlan } from './plan-types.ts';

export function primarySecretsKey(scope: Construct, plan: SecretsPlan): kms.Key {
  const key = new kms.Key(scope, 'SecretsKey', {
    description: 'Meridian: multi-region key of the replicated secrets',
    multiRegion: true,
    enableKeyRotation: true,
  });
  key.addAlias(plan.keyAlias);
  return key;
}

/** `primaryKeyArn` is a cross-region reference: KMS makes up the key id, so it cannot be built. */
export function replicaSecretsKey(scope: Construct, plan: SecretsPlan, primaryKeyArn: string): void {
  const replica = new kms.CfnReplicaKey(scope, 'SecretsKey', {
    primaryKeyArn,
    description: 'Meridian: replica of the multi-region key of the replicated secrets',
    // The account's default key policy: IAM policies decide who uses the key.
    keyPolicy: new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({ actions: ['kms:*'], principals: [new iam.AccountRootPrincipal()], resources: ['*'] })],
    }),
  });
  new kms.CfnAlias(scope, 'SecretsKeyAlias', { aliasName: plan.keyAlias, targetKeyId: replica.attrKeyId });
}

export class ReplicatedSecrets extends Construct {
  constructor(scope: Construct, id: string, plan: SecretsPlan, replicaAwsRegions: readonly string[]) {
    super(scope, id);
    for (const item of plan.items) {
      // A random value until you put the real one: the topology names secrets, never values.
      new secretsmanager.CfnSecret(this, idOf(item.name), {
        name: item.name,
        ...(item.description !== null ? { description: item.description } : {}),
        kmsKeyId: plan.keyAlias,
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        replicaRegions: replicaAwsRegions.map((region) => ({ region, kmsKeyId: plan.keyAlias })),
      });
    }
  }
}
