/** Configurations the infra tests synthesize. */
import type { MonitorConfigInput } from "../../functions/shared/config/index.ts";

/** Every alarm of the table with its default settings: every source configured, all https. */
export const EVERY_ALARM: MonitorConfigInput = {
  targets: {
    backend: {
      url: "https://meet-backend.example.org",
      requests: { preset: "ingress-nginx", url: "https://ingress-metrics.example.org/metrics" },
    },
    livekit: {
      url: "https://livekit.example.org",
      metricsUrl: "https://livekit-metrics.example.org/metrics",
    },
    garage: {
      adminUrl: "https://garage-admin.example.org",
      buckets: {
        names: ["meet-media-storage"],
        token: { secretArn: "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-admin" },
      },
    },
    database: { exporterUrl: "https://pg-exporter.example.org/metrics" },
    redis: { exporterUrl: "https://redis-exporter.example.org/metrics" },
    hosts: [
      { name: "db-1", url: "https://db-1.example.org:9100/metrics" },
      { name: "media-1", url: "https://media-1.example.org:9100/metrics" },
    ],
    egress: { metricsUrl: "https://egress-metrics.example.org/metrics" },
  },
  alerts: {
    critical: {
      emails: ["oncall@example.org"],
      urls: ["https://events.pagerduty.com/integration/abc123/enqueue"],
    },
    warning: { emails: ["ops@example.org", "team@example.org"] },
  },
};

export const SECRET_ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-metrics";

/** The AWS-metric variants (ALB without target group, RDS) plus overrides and a pinned environment. */
export const AWS_SOURCES: MonitorConfigInput = {
  namespace: "Meet/Prod",
  targets: {
    backend: {
      url: "https://meet-backend.example.org",
      requests: { preset: "alb", loadBalancer: "app/meet/0123456789abcdef" },
    },
    livekit: {
      url: "http://livekit.example.org:7880",
      metricsUrl: "https://livekit-metrics.example.org/metrics",
      metricsBasicAuth: {
        username: "prometheus",
        password: {
          secretArn: SECRET_ARN,
          env: "LIVEKIT_METRICS_PASSWORD",
          file: "/home/op/livekit-password",
        },
      },
    },
    database: {
      rdsInstanceId: "meet-db",
      maxConnections: 500,
      rdsReplicaInstanceIds: ["meet-db-replica-1", "meet-db-replica-2"],
    },
    redis: { cacheClusterId: "meet-redis-001" },
  },
  alarms: {
    prefix: "Prod",
    backendDown: { threshold: 0.5, evaluationPeriods: 4 },
    livekitDown: { enabled: false },
    monitorSilent: { evaluationPeriods: 5 },
    highPacketLoss: { datapointsToAlarm: 8 },
    certExpiringWarning: { threshold: 30 },
  },
  deployment: {
    stackName: "MeetMonitorProd",
    account: "123456789012",
    region: "eu-west-3",
    memoryMb: 512,
    logRetentionDays: 90,
    singleConcurrency: true,
  },
};
