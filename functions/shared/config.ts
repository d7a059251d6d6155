/**
 * The one configuration schema, shared by the CLI, the Lambda handler and the CDK app.
 *
 * `parseConfig` validates everything and returns every problem at once, each with its path;
 * it never throws for bad input. File access (reading the JSON, resolving `tls.caFile`) lives
 * in `config-file.ts` so this module stays pure.
 */
import { z } from "zod";
import { DEFAULT_NAMESPACE } from "./metrics.ts";

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

const tls = z.strictObject({
  /** PEM bundle of extra CAs to trust (in addition to Node's bundled roots). */
  ca: z.string().min(1).optional(),
  /** Path to a PEM CA bundle, relative to the config file; read when the config is loaded. */
  caFile: z.string().min(1).optional(),
  /** SNI and certificate host name to use instead of the URL's host. */
  servername: z.string().min(1).optional(),
  /** Accept any certificate (still reports its expiry). For lab setups only. */
  insecureSkipVerify: z.boolean().optional(),
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

const backendTarget = z.strictObject({
  /** Base URL of the Meet backend service itself (not the public hostname, see README). */
  url: httpUrl,
  ...targetCommon,
});

const livekitTarget = z.strictObject({
  /** Base URL of LiveKit's HTTP port (7880), or its public https URL. */
  url: httpUrl,
  ...targetCommon,
});

const garageTarget = z.strictObject({
  /** Base URL of Garage's admin API (usually port 3903), not the S3 API (3900). */
  adminUrl: httpUrl,
  ...targetCommon,
});

const namespace = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.\-_/#:]+$/, { error: "may only contain letters, digits and . - _ / # :" })
  .refine((value) => !value.startsWith("AWS/"), { error: 'must not start with "AWS/" (reserved)' });

export const configSchema = z
  .strictObject({
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
      })
      .refine((t) => Object.values(t).some((v) => v !== undefined), {
        error: "configure at least one target (backend, livekit or garage)",
      }),
  })
  .superRefine((config, ctx) => {
    for (const [name, target] of Object.entries(config.targets)) {
      if (target?.tls?.ca && target.tls.caFile) {
        ctx.addIssue({
          code: "custom",
          path: ["targets", name, "tls"],
          message: "set either ca or caFile, not both",
        });
      }
    }
  });

export type MonitorConfigInput = z.input<typeof configSchema>;
export type MonitorConfig = z.output<typeof configSchema>;
export type TargetTls = z.output<typeof tls>;

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
