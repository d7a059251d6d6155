/**
 * The monitor's stacks: the home stack (the probe when the home region probes, alarm topics,
 * alarms, dashboard, maintenance windows and outputs) and a probe stack per vantage region other
 * than home (probe-stack.ts), all derived from one validated config.
 */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import { COMPONENTS } from "../functions/shared/metrics.ts";
import { planConfig } from "../functions/shared/plan/index.ts";
import { componentAlarmsOutput, OUTPUTS } from "../functions/shared/stack-outputs.ts";
import type { MetricContext } from "./cloudwatch-metrics.ts";
import { MonitorDashboard } from "./dashboard.ts";
import { MaintenanceWindows, mutedAlarms } from "./maintenance-windows.ts";
import { MonitorAlarms } from "./monitor-alarms.ts";
import { Notifications } from "./notifications.ts";
import { NotifyTestAlarms } from "./notify-test-alarms.ts";
import { ProbeFunction } from "./probe-function.ts";
import {
  acknowledgeProbeNagFindings,
  ProbeStack,
  probeFunctionProps,
  probeStackName,
} from "./probe-stack.ts";

export interface MonitorStackProps extends StackProps {
  readonly config: MonitorConfig;
}

/** The stack environment: environment-agnostic unless the config pins the account and/or region. */
function environment(account: string | undefined, region: string | undefined): Pick<StackProps, "env"> {
  return account !== undefined || region !== undefined
    ? { env: { ...(account === undefined ? {} : { account }), ...(region === undefined ? {} : { region }) } }
    : {};
}

/**
 * The home stack as the app creates it: named after deployment.stackName, in deployment.region.
 * `id` only matters when one app holds several configurations.
 */
export function createMonitorStack(scope: Construct, config: MonitorConfig, id?: string): MonitorStack {
  const { account, region, stackName } = config.deployment;
  return new MonitorStack(scope, id ?? stackName, {
    config,
    stackName,
    description: "La Suite Meet synthetic monitor: every-minute probe, CloudWatch alarms, SNS paging",
    ...environment(account, region),
  });
}

export interface MonitorStacks {
  readonly home: MonitorStack;
  /** One per vantage region other than home, named `<stackName>-<region>`. */
  readonly probes: readonly ProbeStack[];
}

/** Every stack of a configuration: `npx cdk deploy --all` deploys them. */
export function createMonitorStacks(scope: Construct, config: MonitorConfig): MonitorStacks {
  const home = createMonitorStack(scope, config);
  const { account, stackName } = config.deployment;
  const probes = home.plan.vantages.vantages.flatMap((vantage) => {
    if (vantage.home || vantage.region === undefined) return [];
    const name = probeStackName(stackName, vantage.region);
    return [
      new ProbeStack(scope, name, {
        config,
        vantage,
        stackName: name,
        description: `La Suite Meet synthetic monitor: the probe of vantage ${vantage.region}, publishing to ${config.deployment.region ?? "the home region"}`,
        ...environment(account, vantage.region),
      }),
    ];
  });
  return { home, probes };
}

export class MonitorStack extends Stack {
  /** The home region's probe; absent when the home region is not one of the vantages. */
  readonly probe: ProbeFunction | undefined;
  readonly notifications: Notifications;
  readonly alarms: MonitorAlarms;
  readonly dashboard: MonitorDashboard;
  readonly maintenance: MaintenanceWindows;
  readonly plan: ReturnType<typeof planConfig>;

  constructor(scope: Construct, id: string, props: MonitorStackProps) {
    super(scope, id, props);
    const { config } = props;
    const plan = planConfig(config);
    this.plan = plan;

    const atHome = plan.vantages.vantages.find((vantage) => vantage.home);
    this.probe = atHome ? new ProbeFunction(this, "Probe", probeFunctionProps(config, atHome)) : undefined;

    this.notifications = new Notifications(this, "Notifications", {
      alerts: config.alerts,
      displayPrefix: config.alarms.prefix,
    });

    // The plain alarms and the white-box panels read the primary vantage. Its probe publishes
    // with Vantage = its name, or AWS_REGION: the same value here (the stack's region is a token
    // resolved at deploy time when the stack is environment-agnostic).
    const metrics: MetricContext = {
      namespace: config.namespace,
      vantage: plan.vantages.primary.name ?? this.region,
    };
    this.alarms = new MonitorAlarms(this, "Alarms", {
      alarms: plan.alarms,
      metrics,
      resources: {
        probe: this.probe?.function,
        deadLetters: this.notifications.deadLetters,
        topics: Object.values(this.notifications.topics),
      },
      topics: this.notifications.topics,
    });
    const testAlarms = new NotifyTestAlarms(this, "NotifyTest", {
      prefix: config.alarms.prefix,
      metrics,
      topics: this.notifications.topics,
    });

    this.maintenance = new MaintenanceWindows(this, "Maintenance", {
      stackName: this.stackName,
      windows: config.maintenance,
      planned: plan.alarms,
      alarms: this.alarms.alarms,
    });

    // Dashboards are global to an account: two monitors of the same stack name in two regions
    // (two environments) need two names. A token when the stack is environment-agnostic.
    const dashboardName = `${this.stackName.replace(/[^A-Za-z0-9_-]/g, "-")}-${this.region}`;
    this.dashboard = new MonitorDashboard(this, "Dashboard", {
      dashboardName,
      config,
      metrics,
      probe: this.probe?.function,
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
    new CfnOutput(this, OUTPUTS.criticalTestAlarmName, {
      value: testAlarms.alarms.critical.alarmName,
      description: "TEST alarm that `npm run notify-test` sets to ALARM to page through the critical topic",
    });
    new CfnOutput(this, OUTPUTS.warningTestAlarmName, {
      value: testAlarms.alarms.warning.alarmName,
      description: "TEST alarm that `npm run notify-test` sets to ALARM to notify through the warning topic",
    });
    if (this.probe) {
      new CfnOutput(this, OUTPUTS.probeFunctionName, {
        value: this.probe.function.functionName,
        description: "The probe function (its logs have one JSON line per check)",
      });
      acknowledgeProbeNagFindings(this.probe, atHome?.vpc !== undefined);
    }
    // What `npm run maintenance` mutes: the alarms of each component, the monitor's own excepted.
    new CfnOutput(this, OUTPUTS.alarmRegion, {
      value: this.region,
      description: "The region of the alarms and of their mute rules",
    });
    for (const component of COMPONENTS) {
      const names = mutedAlarms({ components: [component] }, plan.alarms).map((alarm) => alarm.name);
      if (names.length === 0) continue;
      new CfnOutput(this, componentAlarmsOutput(component), {
        value: names.join(","),
        description: `The alarms of ${component}, muted by a maintenance window on it`,
      });
    }
  }
}
