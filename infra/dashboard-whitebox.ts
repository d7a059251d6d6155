/**
 * The dashboard's white-box sections: LiveKit's rooms, tracks, bandwidth, loss and webhook
 * failures; the backend's error rate, the database's connections, Garage's disk and the sources'
 * state. Each reads its figures through the dashboard's WidgetKit, so its panels look and read
 * like the others.
 */
import { Duration } from "aws-cdk-lib";
import type { IMetric, IWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import { FigureMetrics, type MetricSpec, SourceMetrics } from "../functions/shared/metrics.ts";
import type { ConfigPlan } from "../functions/shared/plan/index.ts";
import { albErrorRate, rdsConnectionsPercent } from "./aws-metrics.ts";
import { THIRD, type WidgetKit } from "./dashboard-grid.ts";

/** LiveKit's rooms, tracks, bandwidth, loss and webhook failures, when its metrics are read. */
export function livekitWidgets(plan: ConfigPlan, kit: WidgetKit): IWidget[][] {
  if (!plan.sourceComponents.includes("livekit")) return [];
  const m = (spec: MetricSpec, statistic: string): IMetric => kit.metric(spec, statistic);
  return [
    [
      kit.graph(
        "LiveKit: rooms and participants",
        [m(FigureMetrics.Rooms, "Maximum"), m(FigureMetrics.Participants, "Maximum")],
        { width: THIRD },
      ),
      kit.graph(
        "LiveKit: tracks",
        [m(FigureMetrics.PublishedTracks, "Maximum"), m(FigureMetrics.SubscribedTracks, "Maximum")],
        { width: THIRD },
      ),
      kit.graph(
        "LiveKit: bandwidth (bytes/s)",
        [m(FigureMetrics.BytesIn, "Average"), m(FigureMetrics.BytesOut, "Average")],
        { width: THIRD },
      ),
    ],
    [
      kit.graph("LiveKit: packet loss (%)", [m(FigureMetrics.PacketLoss, "Average")], {
        right: [m(FigureMetrics.NackRate, "Average")],
        annotations: kit.threshold("highPacketLoss", "alarm"),
      }),
      kit.graph("Recording: webhook failures", [m(FigureMetrics.WebhookFailures, "Sum")], {
        annotations: kit.threshold("recordingWebhookFailures", "alarm"),
      }),
    ],
  ];
}

/** The backend's error rate, the database's connections, Garage's disk and the sources' state. */
export function whiteboxWidgets(config: MonitorConfig, plan: ConfigPlan, kit: WidgetKit): IWidget[] {
  const { backend, database } = config.targets;
  const minute = Duration.minutes(1);
  const widgets: IWidget[] = [];
  const requests = backend?.requests;
  if (requests?.preset === "alb") {
    widgets.push(
      kit.graph(
        "Backend: 5xx error rate (%) from the ALB",
        [albErrorRate(requests.loadBalancer, requests.targetGroup, minute)],
        { annotations: kit.threshold("highErrorRate", "alarm") },
      ),
    );
  } else if (requests) {
    widgets.push(
      kit.graph("Backend: 5xx error rate (%)", [kit.metric(FigureMetrics.ErrorRate, "Average")], {
        right: [kit.metric(FigureMetrics.RequestRate, "Average")],
        annotations: kit.threshold("highErrorRate", "alarm"),
      }),
    );
  }
  if (database?.rdsInstanceId !== undefined && database.maxConnections !== undefined) {
    widgets.push(
      kit.graph(
        `Database: connections (% of ${database.maxConnections})`,
        [rdsConnectionsPercent(database.rdsInstanceId, database.maxConnections, minute)],
        { annotations: kit.threshold("dbConnectionsNearLimit", "alarm") },
      ),
    );
  } else if (database) {
    widgets.push(
      kit.graph(
        "Database: connections (% of max_connections)",
        [kit.metric(FigureMetrics.ConnectionsPercent, "Maximum")],
        { annotations: kit.threshold("dbConnectionsNearLimit", "alarm") },
      ),
    );
  }
  const sourced = plan.sourceComponents;
  if (sourced.includes("garage")) {
    widgets.push(
      kit.graph("Garage: free disk (%)", [kit.metric(FigureMetrics.DiskFreePercent, "Minimum")], {
        right: [kit.metric(FigureMetrics.ClusterHealthy, "Minimum")],
        annotations: kit.threshold("diskSpace", "alarm"),
      }),
      kit.graph("Garage: S3 5xx error rate (%)", [kit.metric(FigureMetrics.S3ErrorRate, "Average")]),
    );
  }
  if (sourced.length > 0) {
    widgets.push(
      kit.graph(
        "White-box sources read (1 all read, 0 not)",
        sourced.map((component) =>
          kit.metric(SourceMetrics.SourceUp, "Minimum", component, undefined, component),
        ),
        { annotations: kit.threshold("sourceUnreadable", "alarm") },
      ),
    );
  }
  return widgets;
}
