/** `targets.hosts`: the machines under Meet, each through its node_exporter. */
import { z } from "zod";
import { isRecord } from "../errors.ts";
import { basicAuth, httpUrl, requestOptions } from "./fields.ts";

/** A host's name is its `Host` dimension and part of its alarms' names. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const MAX_HOSTS = 50;

const host = z.strictObject({
  /** The `Host` dimension of its figures and the middle of its alarms' names, e.g. "db-1". */
  name: z.string().regex(HOST_NAME, {
    error: "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit",
  }),
  /** node_exporter's metrics URL (Debian's prometheus-node-exporter, port 9100, /metrics). */
  url: httpUrl,
  basicAuth: basicAuth.optional(),
  ...requestOptions,
});

export const hostsTarget = z
  .array(host)
  .min(1)
  .max(MAX_HOSTS, { error: `at most ${MAX_HOSTS} hosts (each costs 6 custom metrics and 3 alarms)` })
  .superRefine(
    (hosts, ctx) => {
      const names = new Map<string, number>();
      hosts.forEach((entry: unknown, index) => {
        // Runs in the same pass as the entries' own checks: an entry without a string name is theirs.
        const name = isRecord(entry) && typeof entry.name === "string" ? entry.name : undefined;
        if (name === undefined) return;
        const key = name.toLowerCase();
        const first = names.get(key);
        if (first === undefined) names.set(key, index);
        else {
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `"${name}" is already the name of hosts[${first}] (names are compared ignoring case)`,
          });
        }
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );

export type HostTarget = z.output<typeof host>;
