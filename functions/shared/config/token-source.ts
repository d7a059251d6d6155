/**
 * Where the LiveKit join takes its token from. Kept apart from the schema modules (no zod here):
 * the probe calls it at run time, and the Lambda bundle carries no schema (docs/performance.md).
 */

/** Where the join's token comes from. */
export type JoinTokenSource = "apiSecret" | "connectionTest";

export interface DeepTargets {
  readonly backend?:
    | { readonly connectionTest?: boolean | undefined; readonly webhook?: boolean | undefined }
    | undefined;
  readonly livekit?:
    | {
        readonly apiKey?: string | undefined;
        readonly apiSecret?: unknown;
        readonly join?: { readonly enabled?: boolean | undefined } | undefined;
      }
    | undefined;
}

/**
 * The join's token source, or undefined when the join does not run: Meet's connection test when
 * it is switched on (the key pair is then there for the webhook), else the key pair.
 */
export function joinTokenSource(targets: DeepTargets): JoinTokenSource | undefined {
  const { livekit, backend } = targets;
  if (!livekit || livekit.join?.enabled === false) return undefined;
  if (backend?.connectionTest === true) return "connectionTest";
  if (livekit.apiKey !== undefined && livekit.apiSecret !== undefined) return "apiSecret";
  return undefined;
}
