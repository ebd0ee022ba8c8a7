import { hitRatio, perMinute, type GatewaySample } from "@/lib/admin/gateway-stats";
import { formatCount, formatNumber } from "@/lib/dashboard/format";
import { RefreshEvery } from "./refresh";

const rate = (v: number | null) => (v === null ? "—" : `${formatNumber(Math.round(v * 10) / 10)}/min`);
const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)} %`);

function Stat({ label, total, perMin, testId }: { label: string; total: string; perMin?: string; testId: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-total">{total}</span>
        {perMin !== undefined ? <span className="muted small"> {perMin}</span> : null}
      </dd>
    </div>
  );
}

export function GatewayStats({ samples }: { samples: readonly GatewaySample[] }) {
  const now = samples.at(-1)!;
  const r = (pick: (s: GatewaySample) => number) => rate(perMinute(samples, pick));
  const lookups = now.cache.hit + now.cache.miss;
  const actions = Object.entries(now.actions).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <RefreshEvery seconds={15} />
      <section className="card" aria-labelledby="totals">
        <h2 id="totals">Since start</h2>
        <dl className="stats">
          <Stat testId="stat-requests" label="Requests" total={formatCount(now.requests)} perMin={r((s) => s.requests)} />
          <Stat testId="stat-denied" label="Denied" total={formatCount(now.outcomes.denied)} perMin={r((s) => s.outcomes.denied)} />
          <Stat testId="stat-errors" label="Errors" total={formatCount(now.outcomes.error)} perMin={r((s) => s.outcomes.error)} />
          <Stat testId="stat-cache" label="Access cache hits" total={percent(hitRatio(now.cache))} perMin={`of ${formatCount(lookups)} lookups`} />
          <Stat testId="stat-gitlab" label="GitLab API calls" total={formatCount(now.gitlab.total)} perMin={r((s) => s.gitlab.total)} />
          <Stat testId="stat-latency" label="Mean response time" total={now.requests ? `${formatNumber(Math.round((now.seconds / now.requests) * 10_000) / 10)} ms` : "—"} />
        </dl>
      </section>
      <section className="card" aria-labelledby="by-action">
        <h2 id="by-action">Requests by route action</h2>
        {actions.length ? (
          <div className="table-scroll">
            <table aria-label="Requests by route action">
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col" className="num">
                    Allowed
                  </th>
                  <th scope="col" className="num">
                    Denied
                  </th>
                  <th scope="col" className="num">
                    Errors
                  </th>
                  <th scope="col" className="num">
                    Rate
                  </th>
                </tr>
              </thead>
              <tbody>
                {actions.map(([action, o]) => (
                  <tr key={action} data-action={action}>
                    <th scope="row">{action}</th>
                    <td className="num">{formatCount(o.allowed)}</td>
                    <td className="num">{formatCount(o.denied)}</td>
                    <td className="num">{formatCount(o.error)}</td>
                    <td className="num">{r((s) => { const a = s.actions[action]; return a ? a.allowed + a.denied + a.error : 0; })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">No MLflow request has reached this hub process yet.</p>
        )}
      </section>
      <section className="card" aria-labelledby="gitlab">
        <h2 id="gitlab">GitLab API calls</h2>
        {now.gitlab.calls.length ? (
          <div className="table-scroll">
            <table aria-label="GitLab API calls">
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Calls
                  </th>
                </tr>
              </thead>
              <tbody>
                {now.gitlab.calls.map((c) => (
                  <tr key={`${c.endpoint} ${c.status}`}>
                    <td>
                      <code>{c.endpoint}</code>
                    </td>
                    <td>{c.status}</td>
                    <td className="num">{formatCount(c.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">No GitLab API call yet.</p>
        )}
      </section>
    </>
  );
}
