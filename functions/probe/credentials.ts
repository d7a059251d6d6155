/**
 * Credentials of the white-box sources (basic-auth passwords, bearer tokens).
 *
 * - In Lambda (`mode: "lambda"`) only `secretArn` is read, from AWS Secrets Manager, once per
 *   container: the value is cached for the container's life (it is invalidated when a source
 *   refuses it, so a rotated secret is read again on the next cycle).
 * - Locally (`mode: "local"`, the CLI) `env`, then `file`, then `secretArn`.
 *
 * A value never appears in an error or a log: errors name the config field and where they looked.
 * Every value resolved is remembered (in memory only) so reasons can be scrubbed of it.
 */
import { readFile as fsReadFile } from "node:fs/promises";
import type { Credential } from "../shared/config/index.ts";
import { fileErrorText } from "../shared/errors.ts";

export type CredentialMode = "lambda" | "local";

/** Reads a secret's SecretString from AWS Secrets Manager. */
export interface SecretReader {
  read(arn: string): Promise<string>;
}

export interface CredentialResolver {
  readonly mode: CredentialMode;
  /** The credential's value; rejects with a `CredentialError` that contains no secret. */
  resolve(credential: Credential, field: string): Promise<string>;
  /** Forgets a cached Secrets Manager value (after the server refused it). */
  invalidate(credential: Credential): void;
  /** Every value resolved so far, for scrubbing text before it is logged. */
  knownValues(): readonly string[];
}

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialError";
  }
}

export interface CredentialResolverOptions {
  readonly mode: CredentialMode;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Absent: a credential that needs Secrets Manager fails with a clear error. */
  readonly secrets?: SecretReader;
  /** @default fs.readFile as UTF-8 */
  readonly readFile?: (path: string) => Promise<string>;
}

export function createCredentialResolver(options: CredentialResolverOptions): CredentialResolver {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((path: string) => fsReadFile(path, "utf8"));
  const secretCache = new Map<string, Promise<string>>();
  const known = new Set<string>();

  const remember = (value: string): string => {
    known.add(value);
    return value;
  };

  const readSecret = async (credential: Credential, field: string): Promise<string> => {
    const arn = credential.secretArn;
    if (arn === undefined) throw new CredentialError(`${field}: no secretArn`);
    if (!options.secrets) throw new CredentialError(`${field}: no Secrets Manager reader configured`);
    let pending = secretCache.get(arn);
    if (!pending) {
      pending = options.secrets.read(arn);
      secretCache.set(arn, pending);
      // A failed read is not cached: the next cycle tries again.
      pending.catch(() => {
        if (secretCache.get(arn) === pending) secretCache.delete(arn);
      });
    }
    let secretString: string;
    try {
      secretString = await pending;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new CredentialError(`${field}: cannot read secret ${secretName(arn)}: ${detail}`);
    }
    known.add(secretString);
    return selectKey(secretString, credential.secretJsonKey, arn, field);
  };

  return {
    mode: options.mode,
    async resolve(credential, field) {
      if (options.mode === "lambda") {
        if (credential.secretArn === undefined) {
          throw new CredentialError(
            `${field}: no secretArn (the Lambda reads credentials only from AWS Secrets Manager; env and file are for the CLI)`,
          );
        }
        return remember(await readSecret(credential, field));
      }
      const tried: string[] = [];
      if (credential.env !== undefined) {
        const value = env[credential.env];
        if (value !== undefined && value !== "") return remember(value);
        tried.push(`environment variable ${credential.env} is ${value === undefined ? "not set" : "empty"}`);
      }
      if (credential.file !== undefined) {
        try {
          const value = (await readFile(credential.file)).trim();
          if (value !== "") return remember(value);
          tried.push(`file ${credential.file} is empty`);
        } catch (error) {
          tried.push(`cannot read file ${credential.file} (${fileErrorText(error)})`);
        }
      }
      if (credential.secretArn !== undefined) {
        try {
          return remember(await readSecret(credential, field));
        } catch (error) {
          tried.push(error instanceof Error ? error.message.replace(`${field}: `, "") : String(error));
        }
      }
      throw new CredentialError(`${field}: no value found: ${tried.join("; ")}`);
    },
    invalidate(credential) {
      if (credential.secretArn !== undefined) secretCache.delete(credential.secretArn);
    },
    knownValues: () => [...known],
  };
}

function selectKey(secretString: string, key: string | undefined, arn: string, field: string): string {
  if (key === undefined) {
    if (secretString === "") throw new CredentialError(`${field}: secret ${secretName(arn)} is empty`);
    return secretString;
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new CredentialError(
      `${field}: secret ${secretName(arn)} is not JSON, but secretJsonKey "${key}" was given`,
    );
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new CredentialError(`${field}: secret ${secretName(arn)} is not a JSON object`);
  }
  const value = (json as Record<string, unknown>)[key];
  if (typeof value !== "string" && typeof value !== "number") {
    throw new CredentialError(
      `${field}: secret ${secretName(arn)} has no string key "${key}" (keys: ${Object.keys(json).slice(0, 10).join(", ") || "none"})`,
    );
  }
  const text = String(value);
  if (text === "") throw new CredentialError(`${field}: key "${key}" of secret ${secretName(arn)} is empty`);
  return text;
}

/** The secret's name from its ARN (the ARN is not a secret, but shorter reads better). */
export function secretName(arn: string): string {
  return arn.split(":secret:")[1] ?? arn;
}

/**
 * Replaces every known secret value (and its base64 form, as sent in basic auth) in `text`.
 * Defence in depth: no code path puts a value in a reason, and this makes sure none ever does.
 */
export function scrub(text: string, values: readonly string[]): string {
  let result = text;
  for (const value of values) {
    if (value.length < 4) continue; // too short to tell from ordinary text
    result = result.split(value).join("[redacted]");
  }
  return result;
}
