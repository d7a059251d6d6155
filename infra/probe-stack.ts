/**
 * A vantage's probe: the function's settings for one region, and the stack that holds the probe
 * of a region other than home (the home region's probe lives in the home stack). A probe stack
 * has nothing global to the account (no dashboard, no named role) and needs nothing from the
 * home stack: its function publishes to the home region's CloudWatch by name.
 */
import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import type { PlannedVantage } from "../functions/shared/plan/index.ts";
import { OUTPUTS } from "../functions/shared/stack-outputs.ts";
import { lambdaConfig, secretArns } from "./deploy-config.ts";
import { ProbeFunction, type ProbeFunctionProps } from "./probe-function.ts";

/** The probe function of a vantage: its bundled config, its secrets, its VPC and where it publishes. */
export function probeFunctionProps(config: MonitorConfig, vantage: PlannedVantage): ProbeFunctionProps {
  const { deployment } = config;
  const home = deployment.region;
  return {
    runtimeConfig: lambdaConfig(config, vantage),
    namespace: config.namespace,
    secretArns: secretArns(config, { whitebox: vantage.primary }),
    memoryMb: deployment.memoryMb,
    logRetentionDays: deployment.logRetentionDays,
    singleConcurrency: deployment.singleConcurrency,
    ...(vantage.vpc ? { vpc: vantage.vpc } : {}),
    ...(!vantage.home && home !== undefined ? { metricsRegion: home } : {}),
    ...(vantage.primary ? {} : { readsWhitebox: false }),
  };
}

/**
 * The cdk-nag AwsSolutions findings a probe keeps on purpose, each with its reason. The test
 * suite runs the AwsSolutions pack on synthesized stacks and fails on any other finding.
 */
export function acknowledgeProbeNagFindings(probe: ProbeFunction, inVpc: boolean): void {
  Validations.of(probe.role).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason: [
      "cloudwatch:PutMetricData has no resource-level permissions; the statement is restricted to the configured namespace by the cloudwatch:namespace condition.",
      ...(inVpc
        ? [
            "The EC2 network-interface actions Lambda needs to run in a VPC (the set of AWSLambdaVPCAccessExecutionRole) do not support resource-level permissions.",
          ]
        : []),
    ].join(" "),
  });
}

export interface ProbeStackProps extends StackProps {
  readonly config: MonitorConfig;
  readonly vantage: PlannedVantage;
}

export class ProbeStack extends Stack {
  readonly probe: ProbeFunction;
  readonly vantage: PlannedVantage;

  constructor(scope: Construct, id: string, props: ProbeStackProps) {
    super(scope, id, props);
    this.vantage = props.vantage;
    this.probe = new ProbeFunction(this, "Probe", probeFunctionProps(props.config, props.vantage));
    new CfnOutput(this, OUTPUTS.probeFunctionName, {
      value: this.probe.function.functionName,
      description: `The probe function of vantage ${props.vantage.name ?? this.region}`,
    });
    acknowledgeProbeNagFindings(this.probe, props.vantage.vpc !== undefined);
  }
}

/** A probe stack's name: the home stack's, suffixed with its region. */
export function probeStackName(stackName: string, region: string): string {
  return `${stackName}-${region}`;
}
