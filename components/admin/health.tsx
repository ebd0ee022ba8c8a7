import { HealthTable } from "@/components/health-table";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration } from "@/lib/dashboard/format";
import type { DependencyHealth } from "@/lib/health";
import type { HubFacts } from "@/server/admin/health";

function Version({ dependency, pins }: { dependency: DependencyHealth; pins: HubFacts["pins"] }) {
  const pin = dependency.name === "MLflow" ? pins.mlflow : dependency.name === "MinIO" ? pins.minio : undefined;
  if (!dependency.version) return <span className="muted">{dependency.ok ? "not reported" : "—"}</span>;
  return (
    <>
      <span className="version">{dependency.version}</span>
      {pin ? (
        dependency.version === pin ? (
          <span className="badge pin-ok" title={`The appliance pins ${pin}`}>
            pinned
          </span>
        ) : (
          <span className="badge pin-off" title="The running server is not the release the appliance pins">
            pin is {pin}
          </span>
        )
      ) : null}
    </>
  );
}

export function DependencyTable({ dependencies, pins }: { dependencies: DependencyHealth[]; pins: HubFacts["pins"] }) {
  return <HealthTable dependencies={dependencies} version={(d) => <Version dependency={d} pins={pins} />} />;
}

export function HubFactsList({ facts }: { facts: HubFacts }) {
  return (
    <dl className="facts" data-testid="hub-facts">
      <dt>Hub version</dt>
      <dd className="version" data-testid="hub-version">
        {facts.version}
      </dd>
      <dt>Up for</dt>
      <dd data-testid="hub-uptime">
        {formatDuration(facts.uptimeSeconds * 1000)} (since <RelativeTime ms={facts.startedAt.getTime()} />)
      </dd>
      <dt>Node.js</dt>
      <dd>{facts.node}</dd>
      <dt>Pinned MLflow</dt>
      <dd data-testid="mlflow-pin">{facts.pins.mlflow}</dd>
      <dt>Pinned MinIO</dt>
      <dd>{facts.pins.minio}</dd>
    </dl>
  );
}
