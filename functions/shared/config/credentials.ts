/**
 * Finding the credential references in a configuration by their shape (an object made only of
 * secretArn, secretJsonKey, env and file), so that a credential field added later is found by
 * everything that must treat credentials specially: the file loader (a `file` is made absolute),
 * the CDK app (the IAM policy, "the Lambda needs secretArn", what is bundled). Works on the raw
 * JSON as well as on a parsed config. Pure.
 */
import { isRecord } from "../errors.ts";

const CREDENTIAL_FIELDS = new Set(["secretArn", "secretJsonKey", "env", "file"]);
/** Records whose keys are the operator's own names (headers, label matches), never credentials. */
export const OPAQUE_RECORDS = new Set(["headers", "match"]);

/** A credential reference found in the configuration, with its dotted path. */
export interface FoundCredential {
  readonly path: string;
  readonly credential: Readonly<Record<string, unknown>>;
}

/** Every credential reference under `node` (by default the `targets` section's path). */
export function findCredentials(node: unknown, path = "targets"): FoundCredential[] {
  if (!isRecord(node)) return [];
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((key) => CREDENTIAL_FIELDS.has(key))) return [{ path, credential: node }];
  return Object.entries(node).flatMap(([key, value]) =>
    OPAQUE_RECORDS.has(key) || key === "tls" ? [] : findCredentials(value, `${path}.${key}`),
  );
}
