/**
 * One CloudWatch dashboard: the state of every alarm, up and latency (with the timing phases) per
 * check and vantage, certificate days, the heartbeats, and the white-box panels of the sources the
 * plan reads. Every metric comes from the contract (or the same AWS metric math as the alarms),
 * so a panel shows exactly what its alarm evaluates. Each section has its own builder, like
 * cdk-monitoring-constructs' `create...Widget` methods.
 */
import { Duration } from "aws-cdk-lib";
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  type IWidget,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import type { AlarmId } from "../functions/shared/alarms.ts";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import {
  CheckMetrics,
  type CheckName,
  type Component,
  type MetricSpec,
  MonitorMetrics,
} from "../functions/shared/metrics.ts";
import { type ConfigPlan, httpsChecks, isHealthCheck } from "../functions/shared/plan/index.ts";
import type { SourceInstance } from "../functions/shared/plan/source-kind.ts";
import {
  contractMetric,
  type MetricContext,
  probeFunctionMetrics,
  vantageMetrics,
} from "./cloudwatch-metrics.ts";
import { deepCheckWidgets } from "./dashboard-deep.ts";
import { FULL, type GraphOptions, HALF, type WidgetKit } from "./dashboard-grid.ts";
import { layerWidgets } from "./dashboard-layers.ts";
import { livekitWidgets, whiteboxWidgets } from "./dashboard-whitebox.ts";

const MINUTE = 60;
const HEIGHT = 6;

export interface MonitorDashboardProps {
  readonly dashboardName: string;
  readonly config: MonitorConfig;
  readonly metrics: MetricContext;
  readonly probe: IFunction | undefined;
  readonly alarms: readonly Alarm[];
  readonly plan: ConfigPlan;
}

export class MonitorDashboard extends Construct implements WidgetKit {
  readonly dashboard: Dashboard;
  private readonly props: MonitorDashboardProps;

  constructor(scope: Construct, id: string, props: MonitorDashboardProps) {
    super(scope, id);
    this.props = props;
    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        ...this.createHeaderWidgets(),
        ...this.createCheckWidgets(),
        // Deep checks (docs/deep-checks.md): join, TURN, webhook, S3.
        ...deepCheckWidgets(props.plan, this),
        this.createMonitorWidgets(),
        ...livekitWidgets(this.props.plan, this),
        ...pairs(whiteboxWidgets(this.props.config, this.props.plan, this)),
        ...pairs(layerWidgets(props.config, props.plan, this)),
      ],
    });
  }

  /** The title and the state of every alarm. */
  private createHeaderWidgets(): IWidget[][] {
    const { config, alarms } = this.props;
    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# Meet synthetic monitor\nNamespace \`${config.namespace}\`, one probe cycle per minute. Alarms: \`${config.alarms.prefix}-*\`.`,
          width: FULL,
          height: 2,
        }),
      ],
    ];
    if (alarms.length > 0) {
      rows.push([new AlarmStatusWidget({ title: "Alarms", alarms: [...alarms], width: FULL, height: 4 })]);
    }
    return rows;
  }

  /** Per health check: up (and degraded) and latency per vantage, the primary one's phases. */
  private createCheckWidgets(): IWidget[][] {
    const { primary } = this.props.plan.vantages;
    return this.props.plan.checks.filter(isHealthCheck).map(({ component }) => {
      const up = this.perVantage(CheckMetrics.Up, "Minimum", component);
      if (component === CheckMetrics.Degraded.component) {
        up.push(this.metric(CheckMetrics.Degraded, "Maximum", component));
      }
      const upAndLatency = this.graph(`${component}: up (1) / down (0)`, up, {
        right: this.perVantage(CheckMetrics.Latency, "Average", component),
        width: primary.detail === "full" ? HALF : FULL,
      });
      if (primary.detail !== "full") return [upAndLatency];
      return [
        upAndLatency,
        this.graph(
          `${component}: latency phases (ms)${this.props.plan.vantages.consensus ? `, ${primary.name}` : ""}`,
          [CheckMetrics.DnsTime, CheckMetrics.ConnectTime, CheckMetrics.TlsTime, CheckMetrics.Ttfb].map(
            (spec) => this.metric(spec, "Average", component),
          ),
          { stacked: true },
        ),
      ];
    });
  }

  private perVantage(spec: MetricSpec, statistic: string, component?: Component): IMetric[] {
    const { metrics, plan } = this.props;
    return vantageMetrics(spec, metrics, plan.vantages, { statistic, periodSeconds: MINUTE }, component);
  }

  /** Certificate days left (when a target uses https) and the monitor's own health. */
  private createMonitorWidgets(): IWidget[] {
    const { metrics, probe, plan } = this.props;
    const certificates = httpsChecks(plan.checks);
    const monitor = this.graph(
      "Monitor: completed cycles per minute",
      this.perVantage(MonitorMetrics.MonitorHeartbeat, "Sum"),
      {
        right: probeFunctionMetrics(probe),
        width: certificates.length > 0 ? HALF : FULL,
      },
    );
    if (certificates.length === 0) return [monitor];
    const days = this.graph(
      "Certificate days left",
      certificates.map((check) =>
        contractMetric(
          CheckMetrics.CertDaysLeft,
          metrics,
          {
            statistic: "Minimum",
            periodSeconds: 5 * MINUTE,
            label: isHealthCheck(check) ? check.component : `${check.component} ${check.check}`,
          },
          check.component,
          check.check,
        ),
      ),
      {
        annotations: [
          ...this.threshold("certExpiringWarning", "warning"),
          ...this.threshold("certExpiringCritical", "critical"),
        ],
      },
    );
    return [days, monitor];
  }

  metric(
    spec: MetricSpec,
    statistic: string,
    component?: Component,
    check?: CheckName,
    label?: string,
    instance?: SourceInstance,
  ): IMetric {
    return contractMetric(
      spec,
      this.props.metrics,
      { statistic, periodSeconds: MINUTE, ...(label === undefined ? {} : { label }) },
      component,
      check,
      instance,
    );
  }

  /** The configured threshold of an alarm, drawn on its panel (absent when the alarm is off). */
  threshold(id: AlarmId, label: string): HorizontalAnnotation[] {
    return this.props.plan.alarms
      .filter((alarm) => alarm.id === id)
      .slice(0, 1)
      .map((alarm) => ({
        value: alarm.threshold,
        label: `${label} (${alarm.comparison} ${alarm.threshold})`,
      }));
  }

  graph(title: string, left: IMetric[], options: GraphOptions = {}): GraphWidget {
    return new GraphWidget({
      title,
      left,
      right: options.right ?? [],
      width: options.width ?? HALF,
      height: HEIGHT,
      stacked: options.stacked ?? false,
      leftAnnotations: options.annotations ?? [],
      period: Duration.minutes(1),
    });
  }
}

/** Widgets two to a row. */
function pairs(widgets: readonly IWidget[]): IWidget[][] {
  const rows: IWidget[][] = [];
  for (let index = 0; index < widgets.length; index += 2) rows.push(widgets.slice(index, index + 2));
  return rows;
}
