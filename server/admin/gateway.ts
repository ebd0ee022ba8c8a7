import "server-only";
import { createRing, sampleOf, type GatewaySample, type MetricJson } from "@/lib/admin/gateway-stats";
import { metricsRegistry } from "@/lib/gateway/metrics";

const INTERVAL_MS = 15_000;
/** Ten minutes of samples. */
const SIZE = 41;

const KEY = Symbol.for("mlflow-hub.admin-gateway-samples");
type Holder = { [KEY]?: { ring: ReturnType<typeof createRing<GatewaySample>>; timer: NodeJS.Timeout } };

const take = async () => sampleOf((await metricsRegistry.getMetricsAsJSON()) as MetricJson[], Date.now());

/**
 * The gateway's counters now, and the samples of the last minutes. Sampling
 * starts with the first admin visit (every 15 s after, never keeping the process
 * alive), so rates appear once two samples are 10 s apart.
 */
export async function gatewaySamples(): Promise<readonly GatewaySample[]> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const ring = createRing<GatewaySample>(SIZE);
    const timer = setInterval(() => void take().then(ring.push, () => {}), INTERVAL_MS);
    timer.unref();
    holder[KEY] = { ring, timer };
  }
  const { ring } = holder[KEY];
  const now = await take();
  const last = ring.all().at(-1);
  // A page view between two ticks shows fresh totals without crowding the ring.
  if (!last || now.at - last.at >= INTERVAL_MS / 3) ring.push(now);
  return [...ring.all().filter((s) => s.at < now.at), now];
}
