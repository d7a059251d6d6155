/**
 * The deep checks' fields (docs/deep-checks.md): the LiveKit key pair and the join's options, the
 * backend's connection test and webhook switches, Garage's S3 round trip; and the rules that tie
 * them together across targets (which token the join uses, what the webhook needs).
 */
import { z } from "zod";
import { credential, httpUrl, timeoutMs, tls } from "./fields.ts";
import { expectedText } from "./issues.ts";
import type { DeepTargets } from "./token-source.ts";

const printable = (what: string) =>
  z
    .string({
      // What was found, and what the string is for; an absent field is simply required.
      error: (issue) =>
        issue.code === "invalid_type" && issue.input !== undefined
          ? `${expectedText(issue)} (${what})`
          : undefined,
    })
    .min(1, { error: "must not be empty" })
    .max(256)
    .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" });

/** Fields added to `targets.livekit`. */
export const livekitDeepFields = {
  /** A LiveKit API key; with `apiSecret` the monitor mints its own join tokens. */
  apiKey: printable("a LiveKit API key").optional(),
  /** The key's secret: it can mint any token, see docs/deep-checks.md for a dedicated pair. */
  apiSecret: credential.optional(),
  join: z
    .strictObject({
      /** @default true when a token source is configured */
      enabled: z.boolean().optional(),
      /** Check the TURN servers the join response lists. @default true */
      turn: z.boolean().optional(),
      /** Deadline of one join attempt (token, connect, join, ping, leave). @default the target's */
      timeoutMs: timeoutMs.optional(),
    })
    .optional(),
};

/** Fields added to `targets.backend`. */
export const backendDeepFields = {
  /** Take the join's token from Meet's `POST /api/v1.0/diagnostics/connection/` (Meet 1.25+). */
  connectionTest: z.boolean().optional(),
  /** POST a signed `room_started` for a monitor room to Meet's LiveKit webhook endpoint. */
  webhook: z.boolean().optional(),
};

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: "must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
});

const objectPrefix = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: "may only contain letters, digits and !_.*'()/-" })
  .refine((prefix) => !prefix.startsWith("/") && !prefix.split("/").includes(".."), {
    error: 'must not start with "/" or contain ".."',
  });

/** `targets.garage.s3`: a PUT, GET, DELETE and GET of one small object through Garage's S3 API. */
export const garageS3 = z.strictObject({
  /** Garage's S3 API (usually port 3900, or its public https URL); requests are path-style. */
  endpoint: httpUrl,
  bucket: bucketName,
  /** Garage's `s3_region`: signatures for another region are refused. */
  region: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, { error: "may only contain letters, digits, _ and -" })
    .default("garage"),
  /** A key allowed on this bucket only (`garage key create`, `garage bucket allow`). */
  accessKeyId: printable("a Garage access key id"),
  secretAccessKey: credential,
  /** Where the probe object lives: `<prefix>probe-<vantage>`. */
  prefix: objectPrefix.default("meet-monitor/"),
  timeoutMs: timeoutMs.optional(),
  tls: tls.optional(),
});

interface RefinementContext {
  addIssue(issue: { code: "custom"; path: PropertyKey[]; message: string }): void;
}

/** The rules across targets, each reported at the field to change. */
export function refineDeepTargets(targets: DeepTargets, ctx: RefinementContext): void {
  const { livekit, backend } = targets;
  const keyPair = livekit?.apiKey !== undefined && livekit.apiSecret !== undefined;
  if (livekit && (livekit.apiKey === undefined) !== (livekit.apiSecret === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["livekit", livekit.apiKey === undefined ? "apiKey" : "apiSecret"],
      message: "set apiKey and apiSecret together (the secret signs tokens issued for that key)",
    });
  }
  if (backend?.connectionTest === true) {
    if (!livekit) {
      ctx.addIssue({
        code: "custom",
        path: ["backend", "connectionTest"],
        message:
          "needs targets.livekit: the join with the connection test's token goes to targets.livekit.url",
      });
    } else if (livekit.join?.enabled === false) {
      ctx.addIssue({
        code: "custom",
        path: ["backend", "connectionTest"],
        message:
          "has no effect while targets.livekit.join.enabled is false (it only supplies the join's token)",
      });
    } else if (keyPair && backend.webhook !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["backend", "connectionTest"],
        message:
          "the join takes its token from exactly one source, and two are set: targets.livekit.apiKey/apiSecret (minted by the monitor) and targets.backend.connectionTest (issued by Meet); remove one (the key pair stays only when backend.webhook needs it)",
      });
    }
  }
  if (livekit?.join?.enabled === true && !keyPair && backend?.connectionTest !== true) {
    ctx.addIssue({
      code: "custom",
      path: ["livekit", "join", "enabled"],
      message:
        "the join needs exactly one token source, and none is set: targets.livekit.apiKey and apiSecret (the monitor mints a token), or targets.backend.connectionTest: true (Meet issues one)",
    });
  }
  if (backend?.webhook === true && !keyPair) {
    ctx.addIssue({
      code: "custom",
      path: ["backend", "webhook"],
      message:
        "needs targets.livekit.apiKey and apiSecret: the webhook is signed with the pair Meet verifies LiveKit's webhooks with",
    });
  }
}
