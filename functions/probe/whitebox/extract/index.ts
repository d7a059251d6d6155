/** Every source's extractor, and the shapes they share. */
export * from "./common.ts";
export * from "./garage.ts";
export * from "./livekit.ts";
export * from "./postgres.ts";
export * from "./requests.ts";
