/** Child process of `benchSoakInChild`: runs the soak and sends its result to the parent. */
import { childArgument, sendToParent, serveQueries } from "./ipc.ts";
import { benchSoak } from "./soak-bench.ts";

const { cycles } = childArgument<{ cycles: number }>();
serveQueries(
  () => undefined,
  () => undefined,
);
sendToParent({ type: "ready" });
const result = await benchSoak(cycles, (line) => sendToParent({ type: "log", line }));
sendToParent({ type: "done", result });
