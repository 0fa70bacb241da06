/**
 * The internet-facing Network Load Balancer in front of the workers, wired by hand
 * (aws-ecs-patterns cannot make a UDP listener): UDP 4569 to IP targets (the Fargate tasks'
 * ENIs), health-checked over HTTP on the workers' side port because NLBs cannot health-check
 * UDP. Client addresses are preserved (always, for UDP), which is what lets a worker see a
 * PBX's real address and port; the price is that the workers' security group must admit
 * 4569/udp from the whole internet. Deregistration drains for `drainSeconds` and then ends
 * the target's flows, so a PBX's next packet finds a live worker and it re-registers there.
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Peer, Port, SecurityGroup, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { NetworkLoadBalancer, NetworkTargetGroup, Protocol, TargetType } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { countAlarm } from './alarm-topic.ts';

export interface UdpLoadBalancerProps {
  vpc: IVpc;
  /** The workers' security group: gets 4569/udp from anywhere and the side port from the NLB. */
  workers: ISecurityGroup;
  iaxPort: number;
  statusPort: number;
  drainSeconds: number;
}

export class UdpLoadBalancer extends Construct {
  readonly nlb: NetworkLoadBalancer;
  readonly targetGroup: NetworkTargetGroup;
  readonly securityGroup: SecurityGroup;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: UdpLoadBalancerProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'Strowger NLB: IAX2 in, to the workers', allowAllOutbound: false });
    this.securityGroup.addIngressRule(Peer.anyIpv4(), Port.udp(props.iaxPort), 'IAX2 from tenant PBXes');
    this.securityGroup.connections.allowTo(props.workers, Port.udp(props.iaxPort), 'IAX2 to the workers');
    this.securityGroup.connections.allowTo(props.workers, Port.tcp(props.statusPort), 'health checks on the worker status port');
    // Client IP preserved: the workers see PBXes' own addresses, so their group admits them all.
    props.workers.addIngressRule(Peer.anyIpv4(), Port.udp(props.iaxPort), 'IAX2 from tenant PBXes (through the NLB, client IP preserved)');

    this.nlb = new NetworkLoadBalancer(this, 'Nlb', {
      vpc: props.vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      securityGroups: [this.securityGroup],
    });
    this.targetGroup = new NetworkTargetGroup(this, 'Workers', {
      vpc: props.vpc,
      port: props.iaxPort,
      protocol: Protocol.UDP,
      targetType: TargetType.IP,
      deregistrationDelay: Duration.seconds(props.drainSeconds),
      connectionTermination: true,
      healthCheck: {
        protocol: Protocol.HTTP,
        port: String(props.statusPort),
        path: '/healthz',
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    this.nlb.addListener('Iax2', { port: props.iaxPort, protocol: Protocol.UDP, defaultTargetGroups: [this.targetGroup] });

    this.alarm = countAlarm(this, 'UnhealthyWorkers', {
      description: 'A worker behind the IAX2 load balancer fails its health check',
      metric: this.targetGroup.metrics.unHealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
      periods: 3,
    });
  }
}
