/**
 * The VPC a region's Aurora clusters live in: isolated subnets in two availability zones, no
 * NAT gateway (the databases need no internet). Reach it from your clusters by peering or a
 * transit gateway; that needs its CIDR (plan.json's vpcCidr) not to overlap theirs.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

export function databaseVpc(scope: Construct, cidr: string): ec2.Vpc {
  return new ec2.Vpc(scope, 'DatabaseVpc', {
    ipAddresses: ec2.IpAddresses.cidr(cidr),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'databases', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    restrictDefaultSecurityGroup: true,
  });
}
