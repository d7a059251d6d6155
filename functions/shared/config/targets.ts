/** What the monitor watches: the health checks' targets and their white-box sources. */
import { z } from "zod";
import { backendDeepFields, garageS3, livekitDeepFields, refineDeepTargets } from "./deep.ts";
import { egressTarget } from "./egress.ts";
import {
  basicAuth,
  credential,
  EVERY_PASS,
  httpUrl,
  integer,
  labelMatch,
  metricsUrls,
  requestOptions,
} from "./fields.ts";
import { hostsTarget } from "./hosts.ts";
import { redisTarget } from "./redis.ts";

const metricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: "must be a Prometheus metric name" });

/** Backend responses by status, for the error rate: the counters operators have in front of Meet. */
const backendRequests = z.discriminatedUnion("preset", [
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
    ...requestOptions,
  }),
  z.strictObject({
    preset: z.literal("django-prometheus"),
    /** django-prometheus' endpoint, when the operator added it to the backend: one per pod. */
    url: metricsUrls,
    basicAuth: basicAuth.optional(),
    ...requestOptions,
  }),
  z.strictObject({
    preset: z.literal("custom"),
    url: metricsUrls,
    /** A counter of responses with a status label. */
    metric: metricName,
    /**
     * A histogram of response times in seconds, by its name without `_bucket` (the same `match`
     * applies): feeds ResponseTimeP50/P95.
     */
    histogram: metricName.optional(),
    statusLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "must be a Prometheus label name" }),
    /** Only count series whose labels equal these values. */
    match: labelMatch.optional(),
    basicAuth: basicAuth.optional(),
    ...requestOptions,
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
]);

const backendTarget = z.strictObject({
  /** Base URL of the Meet backend service itself (not the public hostname, see docs/checks.md). */
  url: httpUrl,
  ...requestOptions,
  requests: backendRequests.optional(),
  ...backendDeepFields,
});

const livekitTarget = z.strictObject({
  /** Base URL of LiveKit's HTTP port (7880), or its public https URL. */
  url: httpUrl,
  ...requestOptions,
  /** LiveKit's Prometheus endpoint (prometheus.port, commonly 6789): one URL per node. */
  metricsUrl: metricsUrls.optional(),
  metricsBasicAuth: basicAuth.optional(),
  /** Scrape options for metricsUrl (timeout, TLS, headers); the health check's are separate. */
  metrics: z.strictObject(requestOptions).optional(),
  ...livekitDeepFields,
});

const garageMetrics = z.strictObject({
  /**
   * @default `<adminUrl>/metrics`. Each Garage node reports only its own disk: list every node's
   * admin `/metrics` URL to watch them all.
   */
  url: metricsUrls.optional(),
  /** Garage's metrics_token, when one is configured (sent as a bearer token). */
  token: credential.optional(),
  ...requestOptions,
});

/** S3 bucket names, which Garage's global aliases follow. */
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: "must be a bucket name: 3 to 63 lowercase letters, digits, '.' and '-'",
});

/** Bucket sizes through the admin API's GetBucketInfo, one request per bucket. */
const garageBuckets = z.strictObject({
  /** Global aliases of the buckets to watch, e.g. Meet's recordings bucket. */
  names: z
    .array(bucketName)
    .min(1)
    .max(20, { error: "at most 20 buckets (each costs 3 custom metrics)" })
    .refine((names) => new Set(names).size === names.length, { error: "lists a bucket twice" }),
  /** An admin API token (admin_token, or a v2 admin token allowed GetBucketInfo), sent as a bearer token. */
  token: credential,
  /** The admin API's version: "v2" (Garage 2.x, /v2/GetBucketInfo) or "v1" (Garage 1.x, /v1/bucket). @default "v2" */
  api: z.enum(["v2", "v1"], { error: 'api must be "v2" (Garage 2.x) or "v1" (Garage 1.x)' }).optional(),
  ...requestOptions,
});

const garageTarget = z.strictObject({
  /** Base URL of Garage's admin API (usually port 3903), not the S3 API (3900). */
  adminUrl: httpUrl,
  ...requestOptions,
  /** Garage's Prometheus metrics: scraped from `<adminUrl>/metrics` unless `false`. */
  metrics: z.union([z.literal(false), garageMetrics]).optional(),
  /** The recording storage round trip (deep check `s3`). */
  s3: garageS3.optional(),
  /** Bucket sizes through the admin API (figures BucketBytes, BucketObjects, UnfinishedUploads). */
  buckets: garageBuckets.optional(),
});

const rdsInstanceId = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: "must be an RDS DB instance identifier" });

const databaseTarget = z
  .strictObject({
    /** postgres_exporter's metrics URL (port 9187, /metrics): one per server, primary and replicas. */
    exporterUrl: metricsUrls.optional(),
    exporterBasicAuth: basicAuth.optional(),
    /** An RDS instance: the alarm uses AWS/RDS DatabaseConnections against maxConnections. */
    rdsInstanceId: rdsInstanceId.optional(),
    /** PostgreSQL's max_connections on that RDS instance (RDS does not publish it). */
    maxConnections: integer().min(1).max(262_143).optional(),
    /** With rdsInstanceId: its read replicas, whose AWS/RDS ReplicaLag the replication alarm watches. */
    rdsReplicaInstanceIds: z
      .array(rdsInstanceId)
      .min(1)
      .max(10, { error: "at most 10 replicas (one metric math expression)" })
      .optional(),
    ...requestOptions,
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
    if (db.rdsReplicaInstanceIds !== undefined && db.rdsInstanceId === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rdsReplicaInstanceIds"],
        message: "only applies with rdsInstanceId (an exporter on a replica reports its lag itself)",
      });
    }
  }, EVERY_PASS);

export const targetsSection = z
  .strictObject({
    backend: backendTarget.optional(),
    livekit: livekitTarget.optional(),
    garage: garageTarget.optional(),
    database: databaseTarget.optional(),
    // The guide's other layers.
    redis: redisTarget.optional(),
    hosts: hostsTarget.optional(),
    egress: egressTarget.optional(),
  })
  .refine((t) => Object.values(t).some((v) => v !== undefined), {
    error: "configure at least one target (backend, livekit, garage, database, redis, hosts or egress)",
    ...EVERY_PASS,
  })
  .superRefine(refineDeepTargets, EVERY_PASS);

export type Targets = z.output<typeof targetsSection>;
export type BackendRequestsSource = z.output<typeof backendRequests>;
export type GarageS3 = z.output<typeof garageS3>;
export type GarageBuckets = z.output<typeof garageBuckets>;
