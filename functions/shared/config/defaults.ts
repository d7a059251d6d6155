/**
 * Defaults the probe applies at run time. Kept out of the schema modules (no zod here): the
 * Lambda bundle carries no schema (docs/performance.md).
 */

/** Egress' own default `cpu_cost.room_composite_cpu_cost` (livekit/egress pkg/config/service.go). */
export const DEFAULT_ROOM_COMPOSITE_CPU_COST = 4;
