import type { KeyValue } from "@/lib/mlflow-api/types";

export function StageBadge({ stage }: { stage: string | undefined }) {
  const s = stage || "None";
  return <span className={`badge stage stage-${s.toLowerCase()}`}>{s}</span>;
}

export function AliasChips({ aliases }: { aliases: { alias: string; version: string }[] }) {
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="chips">
      {aliases.map(({ alias, version }) => (
        <li key={alias} className="badge alias">
          @{alias} <span className="muted">→ v{version}</span>
        </li>
      ))}
    </ul>
  );
}

export function TagList({ tags }: { tags: KeyValue[] | undefined }) {
  const visible = (tags ?? []).filter((t) => !t.key.startsWith("mlflow."));
  if (visible.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="chips">
      {visible.map((t) => (
        <li key={t.key} className="badge tag">
          <span className="tag-key">{t.key}</span>={t.value}
        </li>
      ))}
    </ul>
  );
}
