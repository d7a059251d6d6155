/**
 * The building blocks every section of the configuration uses: URLs, headers, TLS options,
 * timeouts and credential references.
 */
import { z } from "zod";
import { isRecord } from "../errors.ts";
import { expectedText } from "./issues.ts";

export const LIMITS = {
  timeoutMs: { min: 100, max: 15_000, default: 10_000 },
  retryDelayMs: { min: 0, max: 5_000, default: 1_000 },
} as const;

/** Headers the HTTP client manages itself or that would break the one-request-per-connection design. */
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
/** An HTTP token (RFC 9110, 5.6.2): what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * What node:http sends as a header value: tab, visible ASCII, space and Latin-1. CR or LF would
 * split the header (node:http then refuses every request, "request not sent: Invalid character").
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Cross-field rules (one field given without another, "at least one of") run even when a field of
 * the object already has a problem, so every problem is reported in one pass: zod skips an
 * object's refinements once one of its fields failed, unless told when to run them. They run as
 * soon as the value is an object, and therefore only read presence or check each field's type.
 */
export const EVERY_PASS = { when: (payload: { value: unknown }) => isRecord(payload.value) };

/**
 * A whole number: a value of another type is reported as "expected an integer" (zod's number
 * type alone would say "expected a number" for a string). The integer rule is a refinement, not
 * zod's `.int()`: `.int()` aborts the object's parse, so its cross-field rules would wait for the
 * fraction to be fixed (every problem must come in one pass).
 */
export function integer(): z.ZodNumber {
  return z
    .number({
      error: (issue) =>
        issue.code === "invalid_type" ? expectedText({ ...issue, expected: "int" }) : undefined,
    })
    .refine((value) => Number.isSafeInteger(value), { error: "expected an integer" });
}

/** The vantage: config `vantage` and the CLI's `--vantage`. It is a CloudWatch dimension value. */
export const vantage = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(255)
  .regex(/^[\x21-\x7e]*$/, { error: "must be printable ASCII without spaces" });

export const httpUrl = z.string().superRefine((value, ctx) => {
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

/** One metrics URL, or a list with one URL per node or pod (each is scraped and they are summed). */
export const metricsUrls = z.union([httpUrl, z.array(httpUrl).min(1).max(50)]);

export const headers = z
  .record(
    z.string(),
    z.string().regex(HEADER_VALUE, {
      error:
        "must not contain CR, LF or other control characters, nor characters beyond Latin-1 (they would break the request)",
    }),
  )
  .superRefine((record, ctx) => {
    for (const name of Object.keys(record)) {
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)",
        });
      } else if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is managed by the monitor (one request per fresh connection) and cannot be set",
        });
      }
    }
  }, EVERY_PASS);

export const tls = z
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
    ...EVERY_PASS,
  });

export const timeoutMs = integer()
  .min(LIMITS.timeoutMs.min, { error: `must be at least ${LIMITS.timeoutMs.min} ms` })
  .max(LIMITS.timeoutMs.max, {
    error: `must be at most ${LIMITS.timeoutMs.max} ms (two attempts must fit well inside one minute)`,
  });

/** How to talk to one endpoint: a check's target or a white-box scrape. */
export const requestOptions = {
  headers: headers.optional(),
  timeoutMs: timeoutMs.optional(),
  tls: tls.optional(),
};

/**
 * Where a secret comes from. The Lambda reads only `secretArn` (AWS Secrets Manager, once per
 * container); the CLI tries `env`, then `file`, then `secretArn`. Values never reach logs.
 */
export const credential = z
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
    ...EVERY_PASS,
  });

export const basicAuth = z.strictObject({ username: z.string().min(1), password: credential });

export const labelMatch = z.record(
  z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "must be a Prometheus label name" }),
  z.string(),
);

export type TargetTls = z.output<typeof tls>;
export type Credential = z.output<typeof credential>;
export type BasicAuth = z.output<typeof basicAuth>;
