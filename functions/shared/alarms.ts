/**
 * The alarm catalogue: each recommended alert of the Meet monitoring guide, as a documented
 * default. Pure data shared by the config schema (override validation), the CDK stack (which
 * builds the CloudWatch alarms from it) and the README's alarm table (checked by a test).
 */
import { rule } from "./alarm-rule.ts";
import { LAYER_ALARM_DEFAULTS, LAYER_ALARM_IDS } from "./layer-alarms.ts";
import {
  CheckMetrics,
  type CheckName,
  type Component,
  DeepCheckMetrics,
  FigureMetrics,
  type MetricSpec,
  MonitorMetrics,
  SourceMetrics,
} from "./metrics.ts";

export type Severity = "critical" | "warning";
export type Statistic = "Minimum" | "Maximum" | "Average" | "Sum";
export type Comparison = "<" | "<=" | ">" | ">=";
/** CloudWatch's TreatMissingData: `ignore` keeps the current state. */
export type MissingData = "ignore" | "notBreaching" | "breaching" | "missing";

export const ALARM_IDS = [
  "backendDown",
  "livekitDown",
  "garageDown",
  "garageDegraded",
  "highErrorRate",
  "highPacketLoss",
  "dbConnectionsNearLimit",
  "diskSpace",
  "recordingWebhookFailures",
  "sourceUnreadable",
  "certExpiringWarning",
  "certExpiringCritical",
  "monitorSilent",
  "probeFunctionFailing",
  // Deep checks (docs/deep-checks.md): join, TURN, webhook, S3.
  "livekitJoinFailing",
  "turnFailing",
  "turnAllFailing",
  "webhookRejected",
  "recordingStorageFailing",
  // The guide's other layers (response time, Redis, database, hosts, recording workers).
  ...LAYER_ALARM_IDS,
  // Several vantages (deployment.vantages): the quorum, each vantage's silence, partial outages.
  "consensusLost",
  "vantageSilent",
  "partialOutage",
  "pageUndelivered",
] as const;
export type AlarmId = (typeof ALARM_IDS)[number];

export interface AlarmDefault {
  readonly id: AlarmId;
  readonly title: string;
  /** Last part of the alarm's name: `<prefix>-<component, or "monitor">-<nameSuffix>`. */
  readonly nameSuffix: string;
  readonly severity: Severity;
  /**
   * The monitor's own metric; absent for the alarms on AWS's metrics of the stack's own resources
   * (`probeFunctionFailing`: AWS/Lambda Errors; `pageUndelivered`: AWS/SQS of the dead-letter queue).
   */
  readonly metric?: MetricSpec;
  readonly component?: Component;
  /** The check whose metric it watches, when it is not the component's health check. */
  readonly check?: CheckName;
  readonly statistic: Statistic;
  readonly periodSeconds: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly missingData: MissingData;
  /** The guide's row this alarm mirrors, quoted. */
  readonly guideRow: string;
  /** What it means and the first thing to check. */
  readonly meaning: string;
  readonly firstCheck: string;
  /** Why the rule and the missing-data treatment are what they are. */
  readonly why: string;
}

const MINUTE = 60;

export const ALARM_DEFAULTS: Readonly<Record<AlarmId, AlarmDefault>> = {
  backendDown: {
    id: "backendDown",
    nameSuffix: "down",
    title: "Backend down",
    severity: "critical",
    metric: CheckMetrics.Up,
    component: "backend",
    ...rule("Minimum", "<", 1, 2, "ignore"),
    guideRow: "Backend down | No healthy pods for 2 min | Critical",
    meaning: "The Django backend's /__heartbeat__ failed (after a retry) for 2 consecutive minutes.",
    firstCheck:
      "the reason in the probe's log (refused, timeout, heartbeat status error: database or migrations)",
    why: "Up is published every cycle, so missing data means the monitor is broken (Monitor silent, or Consensus lost with several vantages, covers it) and keeps the state.",
  },
  livekitDown: {
    id: "livekitDown",
    nameSuffix: "down",
    title: "LiveKit down",
    severity: "critical",
    metric: CheckMetrics.Up,
    component: "livekit",
    ...rule("Minimum", "<", 1, 1, "ignore"),
    guideRow: "LiveKit down | No response for 1 min | Critical",
    meaning:
      "LiveKit's health endpoint did not answer 200 OK (after a retry) for a minute: calls cannot start.",
    firstCheck: "the reason in the probe's log (406 Not Ready, TLS, refused) and the LiveKit pods or service",
    why: "The guide asks for 1 minute; the in-cycle retry already absorbs a single lost packet.",
  },
  garageDown: {
    id: "garageDown",
    nameSuffix: "down",
    title: "Garage down",
    severity: "critical",
    metric: CheckMetrics.Up,
    component: "garage",
    ...rule("Minimum", "<", 1, 2, "ignore"),
    guideRow: "(not in the guide: storage for recordings; mirrors Backend down)",
    meaning:
      "Garage's admin /health answered 503 (quorum unavailable) or nothing for 2 minutes: recordings cannot be stored.",
    firstCheck: "`garage status` on a Garage node, then the reason in the probe's log",
    why: "Same rule as the backend: two minutes rides out a node restart.",
  },
  garageDegraded: {
    id: "garageDegraded",
    nameSuffix: "degraded",
    title: "Garage degraded",
    severity: "warning",
    metric: CheckMetrics.Degraded,
    component: "garage",
    ...rule("Maximum", ">=", 1, 10, "ignore"),
    guideRow: "(not in the guide: Garage reports some storage nodes unavailable)",
    meaning:
      "Garage has answered 'some storage nodes are unavailable' for 10 minutes: redundancy is reduced.",
    firstCheck: "`garage status` for the disconnected node",
    why: "Degraded is published every Garage cycle; 10 minutes ignores rolling restarts.",
  },
  highErrorRate: {
    id: "highErrorRate",
    nameSuffix: "high-error-rate",
    title: "High error rate",
    severity: "warning",
    metric: FigureMetrics.ErrorRate,
    component: "backend",
    ...rule("Average", ">", 1, 5, "notBreaching"),
    guideRow: "High error rate | HTTP 5xx > 1% for 5 min | Warning",
    meaning: "More than 1% of the backend's responses were 5xx for 5 minutes.",
    firstCheck: "Sentry and the backend's logs for the failing views",
    why: "The figure comes from an optional source; no data is not an error.",
  },
  highPacketLoss: {
    id: "highPacketLoss",
    nameSuffix: "high-packet-loss",
    title: "High packet loss",
    severity: "warning",
    metric: FigureMetrics.PacketLoss,
    component: "livekit",
    ...rule("Average", ">", 5, 10, "notBreaching"),
    guideRow: "High packet loss | Packet loss > 5% for 10 min | Warning",
    meaning: "More than 5% of incoming media packets were lost for 10 minutes: users hear and see glitches.",
    firstCheck:
      "the LiveKit nodes' network (UDP 50000-60000 reachability, bandwidth) and the countries affected",
    why: "No traffic means no loss figure; missing data is not breaching.",
  },
  dbConnectionsNearLimit: {
    id: "dbConnectionsNearLimit",
    nameSuffix: "connections-near-limit",
    title: "DB connections near limit",
    severity: "warning",
    metric: FigureMetrics.ConnectionsPercent,
    component: "database",
    ...rule("Maximum", ">", 80, 5, "notBreaching"),
    guideRow: "Database connections near limit | >80% of max_connections | Warning",
    meaning:
      "PostgreSQL has used more than 80% of max_connections for 5 minutes: new connections will soon be refused.",
    firstCheck: "pg_stat_activity for idle or leaked connections (gunicorn workers, celery)",
    why: "The guide gives no duration; 5 minutes ignores short bursts.",
  },
  diskSpace: {
    id: "diskSpace",
    nameSuffix: "disk-space",
    title: "Disk space",
    severity: "warning",
    metric: FigureMetrics.DiskFreePercent,
    component: "garage",
    ...rule("Minimum", "<", 20, 5, "notBreaching"),
    guideRow: "Disk space | <20% free on storage | Warning",
    meaning:
      "A Garage node's data volume has less than 20% free space: recordings will stop being stored when it fills.",
    firstCheck: "`garage status` and the recordings bucket's size; old recordings' lifecycle",
    why: "The guide gives no duration; 5 minutes ignores a transient figure.",
  },
  recordingWebhookFailures: {
    id: "recordingWebhookFailures",
    nameSuffix: "webhook-failures",
    title: "Recording webhook failures",
    severity: "warning",
    metric: FigureMetrics.WebhookFailures,
    component: "recording",
    ...rule("Sum", ">", 0, 15, "notBreaching"),
    guideRow: "Recording webhook failures | Webhook errors > 0 for 15 min | Warning",
    meaning:
      "LiveKit has failed to deliver webhooks to the backend every minute for 15 minutes: recordings may never complete.",
    firstCheck:
      "the backend's /api/v1.0/rooms/webhooks-livekit/ answers (401/400: API key or secret mismatch)",
    why: "Failures are counted per interval; minutes without failures (or without the source) are not breaching.",
  },
  sourceUnreadable: {
    id: "sourceUnreadable",
    nameSuffix: "metrics-unreadable",
    title: "White-box source unreadable",
    severity: "warning",
    metric: SourceMetrics.SourceUp,
    ...rule("Minimum", "<", 1, 15, "ignore"),
    guideRow: "(not in the guide: watches the sources the warning alarms above rely on)",
    meaning:
      "A white-box source of this component (a Prometheus page, or a JSON API: Garage's buckets, egress' health endpoint) has failed to be read every minute for 15 minutes: the figures lack its data, so their alarms cannot see what it would show.",
    firstCheck:
      "the probe's log line for the source (refused or timeout: the endpoint or the network path; 401/403: the credential)",
    why: "The figures' alarms treat missing data as not breaching, so a broken source would leave them blind without this; 15 minutes rides out restarts and deploys.",
  },
  certExpiringWarning: {
    id: "certExpiringWarning",
    nameSuffix: "certificate-expiring",
    title: "Certificate expiring",
    severity: "warning",
    metric: CheckMetrics.CertDaysLeft,
    ...rule("Minimum", "<", 14, 1, "ignore", { periodSeconds: 5 * MINUTE }),
    guideRow: "(not in the guide: certificate expiry of each https target)",
    meaning: "The certificate served by this https target expires in less than 14 days.",
    firstCheck: "the certificate renewal (cert-manager, ACME client) for that host",
    why: "Days left only decrease, so one 5-minute datapoint is enough; a down target keeps the state.",
  },
  certExpiringCritical: {
    id: "certExpiringCritical",
    nameSuffix: "certificate-expires-soon",
    title: "Certificate about to expire",
    severity: "critical",
    metric: CheckMetrics.CertDaysLeft,
    ...rule("Minimum", "<", 3, 1, "ignore", { periodSeconds: 5 * MINUTE }),
    guideRow: "(not in the guide: certificate expiry of each https target)",
    meaning: "The certificate served by this https target expires in less than 3 days (or already has).",
    firstCheck: "renew the certificate now; then why renewal failed",
    why: "Paging only when the warning was not acted on in time.",
  },
  monitorSilent: {
    id: "monitorSilent",
    nameSuffix: "silent",
    title: "Monitor silent",
    severity: "critical",
    metric: MonitorMetrics.MonitorHeartbeat,
    ...rule("Sum", "<", 1, 3, "breaching"),
    guideRow: "(not in the guide: watches the monitor itself)",
    meaning: "The probe has completed no cycle for 3 minutes: nothing else is being watched.",
    firstCheck: "the probe function's logs and its EventBridge schedule",
    why: "The only alarm where missing data is breaching: silence is exactly what it detects.",
  },
  probeFunctionFailing: {
    id: "probeFunctionFailing",
    nameSuffix: "function-failing",
    title: "Probe function failing",
    severity: "critical",
    ...rule("Sum", ">", 0, 3, "notBreaching"),
    guideRow: "(not in the guide: watches the monitor itself)",
    meaning: "The probe function has errored (crash, timeout, or metrics publishing failed) for 3 minutes.",
    firstCheck: "the probe function's logs (metrics are written as EMF there when publishing fails)",
    why: "AWS/Lambda Errors; a down target is never a function error.",
  },
  // Deep checks (docs/deep-checks.md): join, TURN, webhook, S3.
  livekitJoinFailing: {
    id: "livekitJoinFailing",
    nameSuffix: "failing",
    title: "LiveKit join failing",
    severity: "critical",
    metric: CheckMetrics.Up,
    component: "livekit",
    check: "join",
    ...rule("Minimum", "<", 1, 2, "ignore"),
    guideRow: "(not in the guide: a synthetic participant joins a room every minute)",
    meaning:
      "A participant could not join a room (after a retry) for 2 minutes: nobody can start or join a meeting.",
    firstCheck:
      "the reason in the probe's log (token refused: API key or secret rotated; leave first: room full or node draining; no first message: the signal path through the load balancer)",
    why: "Up is published every cycle; two minutes rides out a LiveKit node restart, and missing data keeps the state (Monitor silent covers silence).",
  },
  turnFailing: {
    id: "turnFailing",
    nameSuffix: "failing",
    title: "TURN transport failing",
    severity: "warning",
    metric: CheckMetrics.Up,
    component: "livekit",
    ...rule("Minimum", "<", 1, 5, "ignore"),
    guideRow: "(not in the guide: a TURN allocation over each transport the join lists)",
    meaning:
      "No TURN relay could be allocated over this transport for 5 minutes: people whose network allows only it get no media.",
    firstCheck:
      "the reason in the probe's log, then the TURN port (UDP 3478, TLS 443 or 5349) from outside: firewall, load balancer, TURN certificate",
    why: "Published only for the transports the join lists; 5 minutes because the other transports usually still carry media.",
  },
  turnAllFailing: {
    id: "turnAllFailing",
    nameSuffix: "turn-unreachable",
    title: "TURN unreachable",
    severity: "critical",
    metric: DeepCheckMetrics.TurnRelayUp,
    component: "livekit",
    ...rule("Minimum", "<", 1, 3, "ignore"),
    guideRow: "(not in the guide: every TURN transport the join lists fails)",
    meaning:
      "Every TURN transport the join lists has failed for 3 minutes: people behind NAT or corporate firewalls get no media.",
    firstCheck:
      "LiveKit's TURN configuration (turn.enabled, domain, certificate) and the per-transport reasons in the probe's log",
    why: "The probe publishes TurnRelayUp only when it checked at least one transport, so a failed join (its own alarm) leaves this one in its state.",
  },
  webhookRejected: {
    id: "webhookRejected",
    nameSuffix: "rejected",
    title: "Webhook rejected",
    severity: "warning",
    metric: CheckMetrics.Up,
    component: "backend",
    check: "webhook",
    ...rule("Minimum", "<", 1, 5, "ignore"),
    guideRow: "(not in the guide: a LiveKit-signed webhook posted to the backend)",
    meaning:
      "The backend has refused a LiveKit-signed webhook for 5 minutes: room state and recordings are lost (401/400: Meet and LiveKit disagree on the API key or secret).",
    firstCheck:
      "LIVEKIT_API_KEY and LIVEKIT_API_SECRET of Meet's backend against LiveKit's keys and webhook.api_key",
    why: "Webhooks are retried by LiveKit for a while; 5 minutes separates a rotation in progress from a mismatch.",
  },
  recordingStorageFailing: {
    id: "recordingStorageFailing",
    nameSuffix: "failing",
    title: "Recording storage failing",
    severity: "warning",
    metric: CheckMetrics.Up,
    component: "garage",
    check: "s3",
    ...rule("Minimum", "<", 1, 5, "ignore"),
    guideRow: "(not in the guide: an S3 PUT, GET and DELETE like a recording upload)",
    meaning:
      "An object could not be stored, read back and deleted in the recordings bucket for 5 minutes: new recordings will not be saved.",
    firstCheck:
      "the S3 error code in the probe's log (SignatureDoesNotMatch: secret; AccessDenied: `garage bucket allow`; NoSuchBucket)",
    why: "Recordings upload at the end of a meeting; 5 minutes ignores a Garage restart.",
  },
  ...LAYER_ALARM_DEFAULTS,
  // Several vantages (deployment.vantages).
  consensusLost: {
    id: "consensusLost",
    nameSuffix: "consensus-lost",
    title: "Consensus lost",
    severity: "critical",
    metric: MonitorMetrics.MonitorHeartbeat,
    ...rule("Sum", ">=", 1, 3, "breaching"),
    guideRow: "(not in the guide: watches the vantages themselves)",
    meaning:
      "Fewer vantages than alarms.consensus.minVantages have completed a cycle for 3 minutes: the down alarms can no longer fire, so nothing pages for an outage.",
    firstCheck: "which vantages are silent (their own alarms), then their probe functions' logs",
    why: "The monitor that can no longer page is itself a page; with one vantage this is Monitor silent.",
  },
  vantageSilent: {
    id: "vantageSilent",
    nameSuffix: "silent",
    title: "Vantage silent",
    severity: "warning",
    metric: MonitorMetrics.MonitorHeartbeat,
    ...rule("Sum", "<", 1, 3, "breaching"),
    guideRow: "(not in the guide: watches each vantage)",
    meaning:
      "The probe in this region has completed no cycle for 3 minutes: the down alarms count it as not down, so fewer vantages can agree.",
    firstCheck: "the probe function of that region: its logs and its EventBridge schedule",
    why: "A warning while the others still make a quorum; Consensus lost pages when they do not.",
  },
  partialOutage: {
    id: "partialOutage",
    nameSuffix: "partial-outage",
    title: "Partial outage",
    severity: "warning",
    metric: CheckMetrics.Up,
    ...rule("Minimum", ">=", 1, 5, "notBreaching"),
    guideRow: "(not in the guide: some regions see the check down, not enough to page)",
    meaning:
      "At least one vantage, but fewer than alarms.consensus.minVantages, has seen this check down for 5 minutes: a regional network path, DNS or CDN problem.",
    firstCheck:
      "which vantages report it down (the alarm's graph names them), then DNS and routes from those regions",
    why: "Worth a look, not a page: Meet still answers most of the world.",
  },
  pageUndelivered: {
    id: "pageUndelivered",
    nameSuffix: "page-undelivered",
    title: "Page not delivered",
    severity: "warning",
    ...rule("Maximum", ">", 0, 1, "notBreaching"),
    guideRow: "(not in the guide: watches the paging path itself)",
    meaning:
      "SNS gave up delivering an alarm notification to an https subscriber (PagerDuty, Opsgenie) after an hour of retries: it is in the stack's dead-letter queue (or SNS could not even put it there), and that page never arrived.",
    firstCheck:
      "the message in the UndeliveredPages queue (which alarm, which endpoint), the integration URL and the pager service; purge the queue once handled",
    why: "AWS/SQS ApproximateNumberOfMessagesVisible of the dead-letter queue plus AWS/SNS NumberOfNotificationsFailedToRedriveToDlq of each topic (a page the queue refused is lost without a trace otherwise); a message stays 14 days, so the alarm stays on until someone empties the queue.",
  },
};

/** The parts of an alarm an operator may override in the config's `alarms` section. */
export interface AlarmOverrideInput {
  readonly enabled?: boolean | undefined;
  readonly threshold?: number | undefined;
  readonly evaluationPeriods?: number | undefined;
  readonly datapointsToAlarm?: number | undefined;
}

export interface AlarmSettings {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/**
 * A default with an operator's override applied. Every default alarms on "N of N" periods; when
 * only `evaluationPeriods` is overridden the alarm stays "N of N" (datapoints follow), so raising
 * the window never makes an alarm more sensitive by accident.
 */
export function resolveAlarmSettings(id: AlarmId, override: AlarmOverrideInput | undefined): AlarmSettings {
  const defaults = ALARM_DEFAULTS[id];
  const evaluationPeriods = override?.evaluationPeriods ?? defaults.evaluationPeriods;
  const followsWindow = defaults.datapointsToAlarm === defaults.evaluationPeriods;
  return {
    enabled: override?.enabled ?? true,
    threshold: override?.threshold ?? defaults.threshold,
    evaluationPeriods,
    datapointsToAlarm:
      override?.datapointsToAlarm ?? (followsWindow ? evaluationPeriods : defaults.datapointsToAlarm),
  };
}
