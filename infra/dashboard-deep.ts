/**
 * The dashboard's section of the deep checks (docs/deep-checks.md): the join with its ping round
 * trip and phases, TURN per transport with "any transport" beside them, the webhook and the
 * recording storage round trip. Only the planned checks get panels.
 */
import type { IWidget } from "aws-cdk-lib/aws-cloudwatch";
import { CheckMetrics, type CheckName, DeepCheckMetrics, TURN_CHECKS } from "../functions/shared/metrics.ts";
import type { ConfigPlan } from "../functions/shared/plan/index.ts";
import { FULL, HALF, type WidgetKit } from "./dashboard-grid.ts";

export function deepCheckWidgets(plan: ConfigPlan, kit: WidgetKit): IWidget[][] {
  const planned = (check: CheckName): boolean => plan.checks.some((p) => p.check === check);
  const rows: IWidget[][] = [];
  if (planned("join")) {
    rows.push([
      kit.graph(
        "LiveKit join: joined (1) / failed (0)",
        [kit.metric(CheckMetrics.Up, "Minimum", "livekit", "join")],
        {
          right: [
            kit.metric(CheckMetrics.Latency, "Average", "livekit", "join", "time to join (ms)"),
            kit.metric(DeepCheckMetrics.SignalPingRtt, "Average", "livekit", "join", "signal ping (ms)"),
          ],
          annotations: kit.threshold("livekitJoinFailing", "alarm"),
        },
      ),
      kit.graph(
        "LiveKit join: phases to the join response (ms)",
        [CheckMetrics.DnsTime, CheckMetrics.ConnectTime, CheckMetrics.TlsTime, CheckMetrics.Ttfb].map(
          (spec) => kit.metric(spec, "Average", "livekit", "join"),
        ),
        { stacked: true },
      ),
    ]);
  }
  const turn = TURN_CHECKS.filter(planned);
  if (turn.length > 0) {
    rows.push([
      kit.graph(
        "TURN: relay allocated (1) / failed (0) per transport",
        [
          ...turn.map((check) => kit.metric(CheckMetrics.Up, "Minimum", "livekit", check, check)),
          kit.metric(DeepCheckMetrics.TurnRelayUp, "Minimum", "livekit", undefined, "any transport"),
        ],
        { annotations: kit.threshold("turnAllFailing", "alarm") },
      ),
      kit.graph(
        "TURN: time to allocate and free a relay (ms)",
        turn.map((check) => kit.metric(CheckMetrics.Latency, "Average", "livekit", check, check)),
      ),
    ]);
  }
  const webhook = planned("webhook");
  const s3 = planned("s3");
  const width = webhook && s3 ? HALF : FULL;
  const storage: IWidget[] = [];
  if (webhook) {
    storage.push(
      kit.graph(
        "Backend: LiveKit webhook accepted (1) / refused (0)",
        [kit.metric(CheckMetrics.Up, "Minimum", "backend", "webhook")],
        {
          right: [kit.metric(CheckMetrics.Latency, "Average", "backend", "webhook")],
          annotations: kit.threshold("webhookRejected", "alarm"),
          width,
        },
      ),
    );
  }
  if (s3) {
    storage.push(
      kit.graph(
        "Recording storage: S3 round trip up (1) / down (0)",
        [kit.metric(CheckMetrics.Up, "Minimum", "garage", "s3")],
        {
          right: [kit.metric(CheckMetrics.Latency, "Average", "garage", "s3", "PUT, GET, DELETE, GET (ms)")],
          annotations: kit.threshold("recordingStorageFailing", "alarm"),
          width,
        },
      ),
    );
  }
  if (storage.length > 0) rows.push(storage);
  return rows;
}
