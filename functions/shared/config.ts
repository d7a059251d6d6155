/**
 * The one configuration schema, shared by the CLI, the Lambda handler and the CDK app.
 *
 * `parseConfig` validates everything and returns every problem at once, each with its path;
 * it never throws for bad input. File access (reading the JSON, resolving `tls.caFile`) lives
 * in `config-file.ts` so this module stays pure.
 */
import { z } from "zod";
import { ALARM_IDS, type AlarmId, resolveAlarmSettings } from "./alarms.ts";
import { DEFAULT_NAMESPACE, type SourceComponent } from "./metrics.ts";

export const LIMITS = {
  timeoutMs: { min: 100, max: 15_000, default: 10_000 },
  retryDelayMs: { min: 0, max: 5_000, default: 1_000 },
} as const;

/** Headers undici manages itself or that would break the one-request-per-connection design. */
const FORBIDDEN_HEADERS = new Set([
  "connection",
  "content-length",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "expect",
  "te",
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const httpUrl = z
  .string({ error: "must be a URL string such as http://host:port" })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a valid URL` });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({
        code: "custom",
        message: `must use http or https, not ${url.protocol.replace(":", "")}`,
      });
    }
    if (url.username || url.password) {
      // Credentials in a URL end up in logs and error messages; they have their own fields.
      ctx.addIssue({ code: "custom", message: "must not contain credentials (user:password@)" });
    }
    if (url.search || url.hash) {
      ctx.addIssue({ code: "custom", message: "must not contain a query string or fragment" });
    }
  });

const headers = z
  .record(z.string(), z.string({ error: "header values must be strings" }))
  .superRefine((record, ctx) => {
    for (const name of Object.keys(record)) {
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({ code: "custom", path: [name], message: "is not a valid HTTP header name" });
      } else if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is managed by the monitor (one request per fresh connection) and cannot be set",
        });
      }
    }
  });

const tls = z
  .strictObject({
    /** PEM bundle of extra CAs to trust (in addition to Node's bundled roots). */
    ca: z.string().min(1).optional(),
    /** Path to a PEM CA bundle, relative to the config file; read when the config is loaded. */
    caFile: z.string().min(1).optional(),
    /** SNI and certificate host name to use instead of the URL's host. */
    servername: z.string().min(1).optional(),
    /** Accept any certificate (still reports its expiry). For lab setups only. */
    insecureSkipVerify: z.boolean().optional(),
  })
  .refine((options) => options.ca === undefined || options.caFile === undefined, {
    error: "set either ca or caFile, not both",
  });

const timeoutMs = z
  .number()
  .int()
  .min(LIMITS.timeoutMs.min, { error: `must be at least ${LIMITS.timeoutMs.min} ms` })
  .max(LIMITS.timeoutMs.max, {
    error: `must be at most ${LIMITS.timeoutMs.max} ms (two attempts must fit well inside one minute)`,
  });

const targetCommon = {
  headers: headers.optional(),
  timeoutMs: timeoutMs.optional(),
  tls: tls.optional(),
};

/**
 * Where a secret comes from. The Lambda reads only `secretArn` (AWS Secrets Manager, once per
 * container); the CLI tries `env`, then `file`, then `secretArn`. Values never reach logs.
 */
const credential = z
  .strictObject({
    secretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, {
        error: "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
      })
      .optional(),
    /** When the secret's value is a JSON object, the key that holds the credential. */
    secretJsonKey: z.string().min(1).optional(),
    /** Environment variable holding the value (CLI). */
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be an environment variable name" })
      .optional(),
    /** File holding the value, relative to the config file (CLI); surrounding whitespace is trimmed. */
    file: z.string().min(1).optional(),
  })
  .refine((c) => c.secretArn !== undefined || c.env !== undefined || c.file !== undefined, {
    error: "give at least one of secretArn, env or file",
  });

const basicAuth = z.strictObject({ username: z.string().min(1), password: credential });

/** Options shared by every white-box scrape. */
const scrapeCommon = {
  headers: headers.optional(),
  timeoutMs: timeoutMs.optional(),
  tls: tls.optional(),
};

/** One metrics URL, or a list with one URL per node or pod (each is scraped and they are summed). */
const metricsUrls = z.union([httpUrl, z.array(httpUrl).min(1).max(50)]);

const labelMatch = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string());

/** Backend responses by status, for the error rate: the counters operators have in front of Meet. */
const backendRequests = z.discriminatedUnion(
  "preset",
  [
    z.strictObject({
      preset: z.literal("ingress-nginx"),
      /** The ingress-nginx controller's metrics endpoint (port 10254, /metrics): one per controller pod. */
      url: metricsUrls,
      /** Only count requests of this Ingress (the `ingress` label), e.g. the backend's. */
      ingress: z.string().min(1).optional(),
      /**
       * Only count requests of this Kubernetes namespace: the controller's `namespace` label
       * (`exported_namespace` once a Prometheus server has relabelled it; both are accepted).
       */
      namespace: z.string().min(1).optional(),
      basicAuth: basicAuth.optional(),
      ...scrapeCommon,
    }),
    z.strictObject({
      preset: z.literal("django-prometheus"),
      /** django-prometheus' endpoint, when the operator added it to the backend: one per pod. */
      url: metricsUrls,
      basicAuth: basicAuth.optional(),
      ...scrapeCommon,
    }),
    z.strictObject({
      preset: z.literal("custom"),
      url: metricsUrls,
      /** A counter of responses with a status label. */
      metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: "must be a Prometheus metric name" }),
      statusLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "must be a Prometheus label name" }),
      /** Only count series whose labels equal these values. */
      match: labelMatch.optional(),
      basicAuth: basicAuth.optional(),
      ...scrapeCommon,
    }),
    z.strictObject({
      preset: z.literal("alb"),
      /** The load balancer's CloudWatch dimension, e.g. app/meet-backend/50dc6c495c0c9188. */
      loadBalancer: z.string().regex(/^app\/[A-Za-z0-9-]+\/[0-9a-f]+$/, {
        error: "must look like app/NAME/ID (the ALB's CloudWatch dimension)",
      }),
      /** Restrict to one target group, e.g. targetgroup/meet-backend/73e2d6bc24d8a067. */
      targetGroup: z
        .string()
        .regex(/^targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/, { error: "must look like targetgroup/NAME/ID" })
        .optional(),
    }),
  ],
  { error: 'preset must be one of "ingress-nginx", "django-prometheus", "custom", "alb"' },
);

const backendTarget = z.strictObject({
  /** Base URL of the Meet backend service itself (not the public hostname, see README). */
  url: httpUrl,
  ...targetCommon,
  requests: backendRequests.optional(),
});

const livekitTarget = z.strictObject({
  /** Base URL of LiveKit's HTTP port (7880), or its public https URL. */
  url: httpUrl,
  ...targetCommon,
  /** LiveKit's Prometheus endpoint (prometheus.port, commonly 6789): one URL per node. */
  metricsUrl: z.union([httpUrl, z.array(httpUrl).min(1).max(50)]).optional(),
  metricsBasicAuth: basicAuth.optional(),
  /** Scrape options for metricsUrl (timeout, TLS, headers); the health check's are separate. */
  metrics: z.strictObject(scrapeCommon).optional(),
});

const garageMetrics = z.strictObject({
  /**
   * @default `<adminUrl>/metrics`. Each Garage node reports only its own disk: list every node's
   * admin `/metrics` URL to watch them all.
   */
  url: metricsUrls.optional(),
  /** Garage's metrics_token, when one is configured (sent as a bearer token). */
  token: credential.optional(),
  ...scrapeCommon,
});

const garageTarget = z.strictObject({
  /** Base URL of Garage's admin API (usually port 3903), not the S3 API (3900). */
  adminUrl: httpUrl,
  ...targetCommon,
  /** Garage's Prometheus metrics: scraped from `<adminUrl>/metrics` unless `false`. */
  metrics: z.union([z.literal(false), garageMetrics]).optional(),
});

const databaseTarget = z
  .strictObject({
    /** A postgres_exporter's metrics URL (port 9187, /metrics). */
    exporterUrl: httpUrl.optional(),
    exporterBasicAuth: basicAuth.optional(),
    /** An RDS instance: the alarm uses AWS/RDS DatabaseConnections against maxConnections. */
    rdsInstanceId: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: "must be an RDS DB instance identifier" })
      .optional(),
    /** PostgreSQL's max_connections on that RDS instance (RDS does not publish it). */
    maxConnections: z.number().int().min(1).max(262_143).optional(),
    ...scrapeCommon,
  })
  .superRefine((db, ctx) => {
    if ((db.exporterUrl === undefined) === (db.rdsInstanceId === undefined)) {
      ctx.addIssue({ code: "custom", message: "set exactly one of exporterUrl or rdsInstanceId" });
    }
    if (db.rdsInstanceId !== undefined && db.maxConnections === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["maxConnections"],
        message: "is required with rdsInstanceId (the max_connections of the instance's parameter group)",
      });
    }
  });

const recipients = z.strictObject({
  emails: z
    .array(z.email({ error: "must be an email address" }))
    .max(50)
    .optional(),
  /** HTTPS endpoints subscribed to the topic (PagerDuty, Opsgenie SNS integrations). */
  urls: z
    .array(
      z.string().refine(
        (value) => {
          try {
            return new URL(value).protocol === "https:";
          } catch {
            return false;
          }
        },
        { error: "must be an https:// URL" },
      ),
    )
    .max(50)
    .optional(),
});

const alarmOverride = z.strictObject({
  enabled: z.boolean().optional(),
  threshold: z.number().finite().optional(),
  evaluationPeriods: z.number().int().min(1).max(60).optional(),
  datapointsToAlarm: z.number().int().min(1).max(60).optional(),
});

const alarmOverrides = Object.fromEntries(ALARM_IDS.map((id) => [id, alarmOverride.optional()])) as Record<
  AlarmId,
  z.ZodOptional<typeof alarmOverride>
>;

const alarmsSection = z
  .strictObject({
    /** Prefix of every alarm name: `<prefix>-<component>-<alarm>`. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, {
        error: "may only contain letters, digits, '.', '_' and '-' (64 at most)",
      })
      .default("Meet"),
    ...alarmOverrides,
  })
  .superRefine((section, ctx) => {
    for (const id of ALARM_IDS) {
      const override = section[id];
      if (!override) continue;
      const { evaluationPeriods: evaluation, datapointsToAlarm: datapoints } = resolveAlarmSettings(
        id,
        override,
      );
      if (datapoints > evaluation) {
        ctx.addIssue({
          code: "custom",
          path: [id, "datapointsToAlarm"],
          message: `must not exceed evaluationPeriods (${evaluation})`,
        });
      }
    }
  });

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const deploymentSection = z.strictObject({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: "must be a CloudFormation stack name" })
    .default("MeetMonitor"),
  /** Pin the stack to an account and region; otherwise it is environment-agnostic. */
  account: z
    .string()
    .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" })
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region such as eu-west-3" })
    .optional(),
  /**
   * Measured peak RSS of the bundled handler over 30 cycles with every white-box source: about
   * 130 MB (Node's source-map support off, as deployed). Lambda also gives CPU in proportion to
   * memory, and TLS handshakes and the timing phases need it.
   */
  memoryMb: z
    .number()
    .int()
    .min(256, { error: "must be at least 256 MB (a probe cycle peaks at about 130 MB, plus the runtime)" })
    .max(1024)
    .default(256),
  logRetentionDays: z
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      error: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(30),
  /** Reserve a concurrency of 1 so runs never pile up; needs 11+ unreserved concurrency in the account. */
  singleConcurrency: z.boolean().default(true),
  /** Run the probe inside a VPC to reach private endpoints. */
  vpc: z
    .strictObject({
      subnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "must be a subnet id" }))
        .min(1)
        .max(16),
      securityGroupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: "must be a security group id" }))
        .min(1)
        .max(5),
    })
    .optional(),
});

const namespace = z
  .string()
  .min(1, { error: "must not be empty", abort: true })
  .max(255)
  .regex(/^[A-Za-z0-9.\-_/#:]+$/, { error: "may only contain letters, digits and . - _ / # :" })
  .refine((value) => !value.startsWith("AWS/"), { error: 'must not start with "AWS/" (reserved)' });

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  namespace: namespace.default(DEFAULT_NAMESPACE),
  vantage: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" })
    .optional(),
  probe: z
    .strictObject({
      timeoutMs: timeoutMs.default(LIMITS.timeoutMs.default),
      retryDelayMs: z
        .number()
        .int()
        .min(LIMITS.retryDelayMs.min)
        .max(LIMITS.retryDelayMs.max, { error: `must be at most ${LIMITS.retryDelayMs.max} ms` })
        .default(LIMITS.retryDelayMs.default),
    })
    .prefault({}),
  targets: z
    .strictObject({
      backend: backendTarget.optional(),
      livekit: livekitTarget.optional(),
      garage: garageTarget.optional(),
      database: databaseTarget.optional(),
    })
    .refine((t) => Object.values(t).some((v) => v !== undefined), {
      error: "configure at least one target (backend, livekit, garage or database)",
    }),
  alerts: z.strictObject({ critical: recipients.optional(), warning: recipients.optional() }).prefault({}),
  alarms: alarmsSection.prefault({}),
  deployment: deploymentSection.prefault({}),
});

export type MonitorConfigInput = z.input<typeof configSchema>;
export type MonitorConfig = z.output<typeof configSchema>;
export type TargetTls = z.output<typeof tls>;
export type Credential = z.output<typeof credential>;
export type BasicAuth = z.output<typeof basicAuth>;
export type BackendRequestsSource = z.output<typeof backendRequests>;
export type AlarmOverride = z.output<typeof alarmOverride>;

/**
 * The components whose figures the probe reads from a Prometheus page, in the order the probe
 * reads them (an ALB's request counts come from CloudWatch itself, so they are not a source).
 */
export function scrapedComponents(config: MonitorConfig): SourceComponent[] {
  const { backend, livekit, garage, database } = config.targets;
  const components: SourceComponent[] = [];
  if (livekit?.metricsUrl !== undefined) components.push("livekit");
  if (garage && garage.metrics !== false) components.push("garage");
  if (backend?.requests && backend.requests.preset !== "alb") components.push("backend");
  if (database?.exporterUrl !== undefined) components.push("database");
  return components;
}

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `targets.backend.url`; `(root)` for the top level. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: MonitorConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((part, index) => {
      if (typeof part === "number") return `[${part}]`;
      const key = String(part);
      return index === 0 ? key : `.${key}`;
    })
    .join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  return issue.message;
}

/** Validates an already-parsed JSON value. Never throws for bad input. */
export function parseConfig(input: unknown): ConfigResult {
  const result = configSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: describeIssue(issue),
    })),
  };
}

export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  return `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the configuration\n${lines.join("\n")}`;
}
