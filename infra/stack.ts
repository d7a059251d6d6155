/**
 * The monitor's stack: probe function and schedule, alarm topics, alarms, dashboard and outputs,
 * all derived from one validated config.
 */
import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import { planConfig } from "../functions/shared/plan/index.ts";
import { OUTPUTS } from "../functions/shared/stack-outputs.ts";
import type { MetricContext } from "./cloudwatch-metrics.ts";
import { MonitorDashboard } from "./dashboard.ts";
import { lambdaConfig, secretArns } from "./deploy-config.ts";
import { MonitorAlarms } from "./monitor-alarms.ts";
import { Notifications } from "./notifications.ts";
import { ProbeFunction } from "./probe-function.ts";

export interface MonitorStackProps extends StackProps {
  readonly config: MonitorConfig;
}

/**
 * The stack as the app creates it: named after deployment.stackName, environment-agnostic unless
 * the config pins the account and/or region. `id` only matters when one app holds several stacks.
 */
export function createMonitorStack(scope: Construct, config: MonitorConfig, id?: string): MonitorStack {
  const { account, region, stackName } = config.deployment;
  return new MonitorStack(scope, id ?? stackName, {
    config,
    stackName,
    description: "La Suite Meet synthetic monitor: every-minute probe, CloudWatch alarms, SNS paging",
    ...(account !== undefined || region !== undefined
      ? {
          env: { ...(account === undefined ? {} : { account }), ...(region === undefined ? {} : { region }) },
        }
      : {}),
  });
}

export class MonitorStack extends Stack {
  readonly probe: ProbeFunction;
  readonly notifications: Notifications;
  readonly alarms: MonitorAlarms;
  readonly dashboard: MonitorDashboard;

  constructor(scope: Construct, id: string, props: MonitorStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { deployment } = config;

    this.probe = new ProbeFunction(this, "Probe", {
      runtimeConfig: lambdaConfig(config),
      namespace: config.namespace,
      secretArns: secretArns(config),
      memoryMb: deployment.memoryMb,
      logRetentionDays: deployment.logRetentionDays,
      singleConcurrency: deployment.singleConcurrency,
      ...(deployment.vpc ? { vpc: deployment.vpc } : {}),
    });

    this.notifications = new Notifications(this, "Notifications", {
      alerts: config.alerts,
      displayPrefix: config.alarms.prefix,
    });

    // The Lambda publishes with Vantage = config.vantage ?? AWS_REGION: the same value here
    // (the stack's region is a token resolved at deploy time when the stack is environment-agnostic).
    const metrics: MetricContext = { namespace: config.namespace, vantage: config.vantage ?? this.region };
    const plan = planConfig(config);
    this.alarms = new MonitorAlarms(this, "Alarms", {
      alarms: plan.alarms,
      metrics,
      probe: this.probe.function,
      topics: this.notifications.topics,
    });

    const dashboardName = this.stackName.replace(/[^A-Za-z0-9_-]/g, "-");
    this.dashboard = new MonitorDashboard(this, "Dashboard", {
      dashboardName,
      config,
      metrics,
      probe: this.probe.function,
      alarms: this.alarms.alarms,
      plan,
    });

    new CfnOutput(this, OUTPUTS.criticalTopicArn, {
      value: this.notifications.topics.critical.topicArn,
      description: "SNS topic of the critical alarms (pager)",
    });
    new CfnOutput(this, OUTPUTS.warningTopicArn, {
      value: this.notifications.topics.warning.topicArn,
      description: "SNS topic of the warning alarms",
    });
    new CfnOutput(this, OUTPUTS.dashboardUrl, {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${dashboardName}`,
      description: "CloudWatch dashboard of the monitor",
    });
    new CfnOutput(this, OUTPUTS.probeFunctionName, {
      value: this.probe.function.functionName,
      description: "The probe function (its logs have one JSON line per check)",
    });

    acknowledgeNagFindings(this, deployment.vpc !== undefined);
  }
}

/**
 * The cdk-nag AwsSolutions findings this stack keeps on purpose, each with its reason. The test
 * suite runs the AwsSolutions pack on synthesized stacks and fails on any other finding.
 */
function acknowledgeNagFindings(stack: MonitorStack, inVpc: boolean): void {
  Validations.of(stack.probe.role).acknowledge({
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
