import type { ModelVersion, RegisteredModel } from "@/lib/mlflow-api/types";

/** The stages MLflow's registry knows; the transition control offers exactly these. */
export const MODEL_STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/**
 * A quoted string literal for MLflow's filter syntax. MLflow has no escape inside
 * a literal, so the quote the value does not contain is chosen; a value with both
 * cannot be quoted (undefined).
 */
export function filterLiteral(value: string): string | undefined {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return undefined;
}

/** Filter for registered models whose name contains `term` (case-insensitive); undefined = all models. */
export function modelNameFilter(term: string): string | undefined {
  const t = term.trim();
  if (!t) return undefined;
  const literal = filterLiteral(`%${t}%`) ?? filterLiteral(`%${t.replace(/"/g, "")}%`);
  return `name ILIKE ${literal}`;
}

/** Filter for one model's versions, or undefined when its name cannot be written as a literal. */
export function modelVersionsFilter(name: string): string | undefined {
  const literal = filterLiteral(name);
  return literal && `name = ${literal}`;
}

/** Newest version first: versions are numbers sent as strings ("10" after "9"). */
export function sortVersions(versions: readonly ModelVersion[]): ModelVersion[] {
  return [...versions].sort((a, b) => Number(b.version) - Number(a.version));
}

/** Aliases per version: MLflow lists them on the registered model, not on searched versions. */
export function aliasesByVersion(model: Pick<RegisteredModel, "aliases">): Map<string, string[]> {
  const byVersion = new Map<string, string[]>();
  for (const { alias, version } of model.aliases ?? []) byVersion.set(version, [...(byVersion.get(version) ?? []), alias].sort());
  return byVersion;
}

const RUNS_SOURCE = /^runs:\/([0-9a-f]{32})(?:\/(.*))?$/;

/** The run a version came from (its run_id, or the run in a runs:/ source) and the path inside it. */
export function sourceRun(version: Pick<ModelVersion, "run_id" | "source">): { runId: string; path?: string } | undefined {
  const m = RUNS_SOURCE.exec(version.source ?? "");
  if (version.run_id) return { runId: version.run_id, path: m?.[1] === version.run_id ? m[2] : undefined };
  return m ? { runId: m[1], path: m[2] } : undefined;
}

/**
 * Why MLflow would refuse an alias name, said before the round trip
 * (mlflow/utils/validation.py `_validate_model_alias_name`); undefined = acceptable.
 */
export function aliasProblem(alias: string): string | undefined {
  if (!alias) return "Enter an alias.";
  if (alias.length > 255) return "An alias has at most 255 characters.";
  if (!/^[\p{L}\p{N}\p{M}_-]+$/u.test(alias)) return "An alias may contain letters, digits, underscores and dashes only.";
  if (alias.toLowerCase() === "latest") return "“latest” is reserved by MLflow.";
  if (/^v\d+$/i.test(alias)) return "Aliases like v1, v2 are reserved by MLflow for version numbers.";
  return undefined;
}

/** The latest version in each stage, as MLflow's search answers it, newest first. */
export function latestByStage(model: Pick<RegisteredModel, "latest_versions">): ModelVersion[] {
  return sortVersions(model.latest_versions ?? []);
}
