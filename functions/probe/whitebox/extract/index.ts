/** Every source's extractor, and the shapes they share. */

export * from "./buckets.ts";
export * from "./common.ts";
export * from "./egress.ts";
export * from "./garage.ts";
export * from "./livekit.ts";
export * from "./node.ts";
export * from "./postgres.ts";
export * from "./redis.ts";
export * from "./requests.ts";
