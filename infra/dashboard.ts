/**
 * One CloudWatch dashboard: the state of every alarm, up and latency (with the timing phases) per
 * component, certificate days, the monitor's heartbeat, and the white-box panels of the sources
 * the config names. Every metric comes from the contract (or the same AWS metric math as the
 * alarms), so a panel shows exactly what its alarm evaluates.
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
import { type MonitorConfig, scrapedComponents } from "../functions/shared/config.ts";
import {
  CHECK_COMPONENTS,
  type CheckComponent,
  CheckMetrics,
  FigureMetrics,
  type MetricSpec,
  MonitorMetrics,
  SourceMetrics,
} from "../functions/shared/metrics.ts";
import { httpsCheckTargets, type PlannedAlarm } from "./alarm-plan.ts";
import { albErrorRate, rdsConnectionsPercent } from "./alarms.ts";
import { contractMetric, type MetricContext } from "./metrics.ts";

const MINUTE = 60;
const FULL = 24;
const HALF = 12;
const THIRD = 8;
const HEIGHT = 6;

export interface MonitorDashboardProps {
  readonly dashboardName: string;
  readonly config: MonitorConfig;
  readonly metrics: MetricContext;
  readonly probe: IFunction;
  readonly alarms: readonly Alarm[];
  readonly plan: readonly PlannedAlarm[];
}

export class MonitorDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitorDashboardProps) {
    super(scope, id);
    const { config, metrics } = props;
    const { backend, livekit, database } = config.targets;
    const m = (spec: MetricSpec, statistic: string, component?: CheckComponent | MetricSpec["component"]) =>
      contractMetric(spec, metrics, { statistic, periodSeconds: MINUTE }, component);
    /** The configured threshold of an alarm, drawn on its panel (absent when the alarm is off). */
    const threshold = (id: AlarmId, label: string): HorizontalAnnotation[] =>
      props.plan
        .filter((alarm) => alarm.id === id)
        .slice(0, 1)
        .map((alarm) => ({
          value: alarm.threshold,
          label: `${label} (${alarm.comparison} ${alarm.threshold})`,
        }));
    const graph = (
      title: string,
      left: IMetric[],
      options: {
        right?: IMetric[];
        width?: number;
        stacked?: boolean;
        annotations?: HorizontalAnnotation[];
      } = {},
    ): GraphWidget =>
      new GraphWidget({
        title,
        left,
        right: options.right ?? [],
        width: options.width ?? HALF,
        height: HEIGHT,
        stacked: options.stacked ?? false,
        leftAnnotations: options.annotations ?? [],
        period: Duration.minutes(1),
      });

    const rows: IWidget[][] = [];
    rows.push([
      new TextWidget({
        markdown: `# Meet synthetic monitor\nNamespace \`${config.namespace}\`, one probe cycle per minute. Alarms: \`${config.alarms.prefix}-*\`.`,
        width: FULL,
        height: 2,
      }),
    ]);
    if (props.alarms.length > 0) {
      rows.push([
        new AlarmStatusWidget({ title: "Alarms", alarms: [...props.alarms], width: FULL, height: 4 }),
      ]);
    }

    // Black-box checks: up (and Garage's degraded), total latency, and the phases stacked.
    const configured = CHECK_COMPONENTS.filter((component) => config.targets[component] !== undefined);
    for (const component of configured) {
      const up = [m(CheckMetrics.Up, "Minimum", component)];
      if (component === CheckMetrics.Degraded.component)
        up.push(m(CheckMetrics.Degraded, "Maximum", component));
      rows.push([
        graph(`${component}: up (1) / down (0)`, up, {
          right: [m(CheckMetrics.Latency, "Average", component)],
          width: HALF,
        }),
        graph(
          `${component}: latency phases (ms)`,
          [CheckMetrics.DnsTime, CheckMetrics.ConnectTime, CheckMetrics.TlsTime, CheckMetrics.Ttfb].map(
            (spec) => m(spec, "Average", component),
          ),
          { stacked: true },
        ),
      ]);
    }

    const certificates = httpsCheckTargets(config);
    rows.push([
      ...(certificates.length > 0
        ? [
            graph(
              "Certificate days left",
              certificates.map((component) =>
                contractMetric(
                  CheckMetrics.CertDaysLeft,
                  metrics,
                  { statistic: "Minimum", periodSeconds: 5 * MINUTE, label: component },
                  component,
                ),
              ),
              {
                annotations: [
                  ...threshold("certExpiringWarning", "warning"),
                  ...threshold("certExpiringCritical", "critical"),
                ],
              },
            ),
          ]
        : []),
      graph(
        "Monitor: completed cycles per minute",
        [
          contractMetric(MonitorMetrics.MonitorHeartbeat, metrics, {
            statistic: "Sum",
            periodSeconds: MINUTE,
          }),
        ],
        {
          right: [
            props.probe.metricErrors({ period: Duration.minutes(1), statistic: "Sum" }),
            props.probe.metricThrottles({ period: Duration.minutes(1), statistic: "Sum" }),
            props.probe.metricDuration({ period: Duration.minutes(1), statistic: "Maximum" }),
          ],
          width: certificates.length > 0 ? HALF : FULL,
        },
      ),
    ]);

    // White-box panels, for the sources the config names.
    if (livekit?.metricsUrl) {
      rows.push([
        graph(
          "LiveKit: rooms and participants",
          [m(FigureMetrics.Rooms, "Maximum"), m(FigureMetrics.Participants, "Maximum")],
          { width: THIRD },
        ),
        graph(
          "LiveKit: tracks",
          [m(FigureMetrics.PublishedTracks, "Maximum"), m(FigureMetrics.SubscribedTracks, "Maximum")],
          { width: THIRD },
        ),
        graph(
          "LiveKit: bandwidth (bytes/s)",
          [m(FigureMetrics.BytesIn, "Average"), m(FigureMetrics.BytesOut, "Average")],
          { width: THIRD },
        ),
      ]);
      rows.push([
        graph("LiveKit: packet loss (%)", [m(FigureMetrics.PacketLoss, "Average")], {
          right: [m(FigureMetrics.NackRate, "Average")],
          annotations: threshold("highPacketLoss", "alarm"),
        }),
        graph("Recording: webhook failures", [m(FigureMetrics.WebhookFailures, "Sum")], {
          annotations: threshold("recordingWebhookFailures", "alarm"),
        }),
      ]);
    }
    const whiteBox: IWidget[] = [];
    const requests = backend?.requests;
    if (requests?.preset === "alb") {
      whiteBox.push(
        graph(
          "Backend: 5xx error rate (%) from the ALB",
          [albErrorRate(requests.loadBalancer, requests.targetGroup, Duration.minutes(1))],
          {
            annotations: threshold("highErrorRate", "alarm"),
          },
        ),
      );
    } else if (requests) {
      whiteBox.push(
        graph("Backend: 5xx error rate (%)", [m(FigureMetrics.ErrorRate, "Average")], {
          right: [m(FigureMetrics.RequestRate, "Average")],
          annotations: threshold("highErrorRate", "alarm"),
        }),
      );
    }
    if (database?.rdsInstanceId !== undefined && database.maxConnections !== undefined) {
      whiteBox.push(
        graph(
          `Database: connections (% of ${database.maxConnections})`,
          [rdsConnectionsPercent(database.rdsInstanceId, database.maxConnections, Duration.minutes(1))],
          { annotations: threshold("dbConnectionsNearLimit", "alarm") },
        ),
      );
    } else if (database) {
      whiteBox.push(
        graph(
          "Database: connections (% of max_connections)",
          [m(FigureMetrics.ConnectionsPercent, "Maximum")],
          {
            annotations: threshold("dbConnectionsNearLimit", "alarm"),
          },
        ),
      );
    }
    const sourced = scrapedComponents(config);
    if (sourced.includes("garage")) {
      whiteBox.push(
        graph("Garage: free disk (%)", [m(FigureMetrics.DiskFreePercent, "Minimum")], {
          right: [m(FigureMetrics.ClusterHealthy, "Minimum")],
          annotations: threshold("diskSpace", "alarm"),
        }),
        graph("Garage: S3 5xx error rate (%)", [m(FigureMetrics.S3ErrorRate, "Average")]),
      );
    }
    if (sourced.length > 0) {
      whiteBox.push(
        graph(
          "White-box sources read (1 all read, 0 not)",
          sourced.map((component) =>
            contractMetric(
              SourceMetrics.SourceUp,
              metrics,
              { statistic: "Minimum", periodSeconds: MINUTE, label: component },
              component,
            ),
          ),
          { annotations: threshold("sourceUnreadable", "alarm") },
        ),
      );
    }
    for (let index = 0; index < whiteBox.length; index += 2) rows.push(whiteBox.slice(index, index + 2));

    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: rows,
    });
  }
}
