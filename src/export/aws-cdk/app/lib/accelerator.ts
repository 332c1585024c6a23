/**
 * A Global Accelerator in front of one service: a TCP listener on the service's port and one
 * endpoint group per AWS region, its traffic dial from the plan. The endpoints (a load balancer
 * per region) are not in the topology: they come from context, and synth stops when one is missing.
 */
import { Duration } from 'aws-cdk-lib';
import * as ga from 'aws-cdk-lib/aws-globalaccelerator';
import { Construct } from 'constructs';
import { endpointArnOf } from './context.ts';
import type { AcceleratorPlan } from './plan-types.ts';

export class ServiceAccelerator extends Construct {
  constructor(scope: Construct, id: string, plan: AcceleratorPlan) {
    super(scope, id);
    const accelerator = new ga.Accelerator(this, 'Accelerator', { acceleratorName: plan.name });
    const listener = accelerator.addListener('Listener', {
      protocol: ga.ConnectionProtocol.TCP,
      portRanges: [{ fromPort: plan.port, toPort: plan.port }],
    });
    for (const group of plan.groups) {
      // For ALB/NLB endpoints the accelerator follows the load balancer's own target health;
      // these settings apply to EC2 instance and Elastic IP endpoints.
      listener.addEndpointGroup(group.region, {
        region: group.awsRegion,
        trafficDialPercentage: group.trafficDialPercentage,
        healthCheckProtocol: ga.HealthCheckProtocol.HTTP,
        healthCheckPort: plan.port,
        healthCheckPath: plan.health.path,
        healthCheckInterval: Duration.seconds(plan.health.intervalSeconds),
        healthCheckThreshold: plan.health.threshold,
        endpoints: [new ga.RawEndpoint({ endpointId: endpointArnOf(this, plan.service, group.region), region: group.awsRegion })],
      });
    }
  }
}
