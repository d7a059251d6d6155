/** Bench configs, built with the real schema (defaults included). */
import { type MonitorConfig, parseConfig } from "../functions/shared/config/index.ts";

/** Configs covering `ports` three at a time: backend, LiveKit, Garage. */
export function configsFor(
  ports: readonly number[],
  probe: { timeoutMs?: number; retryDelayMs?: number } = {},
): MonitorConfig[] {
  const configs: MonitorConfig[] = [];
  for (let index = 0; index < ports.length; index += 3) {
    const [backend, livekit, garage] = ports.slice(index, index + 3);
    const result = parseConfig({
      probe,
      targets: {
        backend: { url: `http://127.0.0.1:${backend}` },
        ...(livekit === undefined ? {} : { livekit: { url: `http://127.0.0.1:${livekit}` } }),
        ...(garage === undefined ? {} : { garage: { adminUrl: `http://127.0.0.1:${garage}` } }),
      },
    });
    if (!result.ok) throw new Error(`bench config invalid: ${JSON.stringify(result.issues)}`);
    configs.push(result.config);
  }
  return configs;
}
