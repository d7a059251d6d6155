/**
 * AWS Secrets Manager through the real SDK: GetSecretValue of a secret ARN, as a `SecretReader`.
 *
 * The client is made per region (taken from the ARN, so a secret in another region still works)
 * and only when a secret is first read: a configuration without secrets never loads the SDK.
 * It honours the standard AWS environment (credentials chain, AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
import type {
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describeSdkError } from "../../shared/errors.ts";
import { type SecretReader, secretName } from "../credentials.ts";

/** The part of the SDK client this adapter uses; tests inject a real client pointed at loopback. */
export type SecretsManagerLike = Pick<SecretsManagerClient, "send">;

export interface SecretsManagerReaderOptions {
  /** @default a client per region with 2 attempts and short timeouts (the cycle has a minute) */
  readonly clientFor?: (region: string) => SecretsManagerLike | Promise<SecretsManagerLike>;
}

export async function defaultSecretsManagerClient(region: string): Promise<SecretsManagerLike> {
  const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  return new SecretsManagerClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  });
}

export function createSecretsManagerReader(options: SecretsManagerReaderOptions = {}): SecretReader {
  const clientFor = options.clientFor ?? defaultSecretsManagerClient;
  const clients = new Map<string, Promise<SecretsManagerLike>>();
  return {
    async read(arn) {
      const region = arn.split(":")[3] ?? "";
      let client = clients.get(region);
      if (!client) {
        client = Promise.resolve(clientFor(region));
        clients.set(region, client);
      }
      const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
      const input: GetSecretValueCommandInput = { SecretId: arn };
      let output: GetSecretValueCommandOutput;
      try {
        output = await (await client).send(new GetSecretValueCommand(input));
      } catch (error) {
        throw new Error(describeSdkError("GetSecretValue", error));
      }
      if (typeof output.SecretString === "string") return output.SecretString;
      if (output.SecretBinary !== undefined) {
        throw new Error(`secret ${secretName(arn)} holds binary data; store the credential as a string`);
      }
      throw new Error(`secret ${secretName(arn)} has no SecretString`);
    },
  };
}
