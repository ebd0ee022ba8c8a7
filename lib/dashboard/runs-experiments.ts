/**
 * MLflow's experiment-name search: `name ILIKE '%text%'` (case-insensitive LIKE).
 * MLflow's filter parser has no escape for a quote inside a string, so the
 * text is wrapped in whichever quote it does not contain.
 */
export function experimentNameFilter(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!t.includes("'")) return `name ILIKE '%${t}%'`;
  return `name ILIKE "%${t.replaceAll('"', "")}%"`;
}

/** An experiment's description: MLflow keeps it in the mlflow.note.content tag. */
export const DESCRIPTION_TAG = "mlflow.note.content";
