/**
 * One Garage bucket through the admin API's GetBucketInfo (`/v2/GetBucketInfo` or `/v1/bucket`,
 * by global alias): the same camelCase fields in both versions (src/api/admin/api.rs in v2.0,
 * bucket.rs in v1.x).
 */
import { isRecord } from "../../../shared/errors.ts";
import type { JsonExtractor } from "./common.ts";

export const extractBucketInfo: JsonExtractor = (document) => {
  const bytes = isRecord(document) ? document.bytes : undefined;
  const objects = isRecord(document) ? document.objects : undefined;
  if (!isRecord(document) || !count(bytes) || !count(objects)) {
    return {
      ok: false,
      error:
        "no numeric bytes and objects in the JSON: not Garage's GetBucketInfo answer (check the admin URL)",
    };
  }
  const notes: string[] = [];
  const unfinished = document.unfinishedMultipartUploads;
  if (!count(unfinished)) notes.push("no unfinishedMultipartUploads in the answer (Garage before 0.9?)");
  return {
    ok: true,
    extraction: {
      gauges: {
        bucketBytes: bytes,
        bucketObjects: objects,
        ...(count(unfinished) ? { unfinishedUploads: unfinished } : {}),
      },
      counters: {},
      notes,
    },
  };
};

function count(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
