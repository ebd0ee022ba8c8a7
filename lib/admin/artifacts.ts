/**
 * Where a workspace's artifacts live in the bucket, from its experiments'
 * artifact locations. MLflow serves artifacts (`--serve-artifacts`) from the
 * bucket's root, so `mlflow-artifacts:/workspaces/gitlab-101/7` is the key
 * prefix `workspaces/gitlab-101/7/`; an `s3://<bucket>/…` location names its key
 * directly. An experiment folder named after its id is widened to its parent
 * (the workspace's folder), which also holds what MLflow keeps beside
 * experiments. Locations in another bucket or scheme are not ours to count.
 */
export function artifactPrefixes(experiments: readonly { experiment_id: string; artifact_location?: string }[], bucket: string): string[] {
  const prefixes = new Set<string>();
  for (const e of experiments) {
    const key = bucketKey(e.artifact_location ?? "", bucket);
    if (key === undefined) continue;
    const parts = key.split("/").filter(Boolean);
    if (parts.length > 1 && parts.at(-1) === e.experiment_id) parts.pop();
    // A location at the bucket's root would count every project's objects.
    if (parts.length) prefixes.add(`${parts.join("/")}/`);
  }
  return [...prefixes].filter((p, _, all) => !all.some((q) => q !== p && p.startsWith(q))).sort();
}

function bucketKey(location: string, bucket: string): string | undefined {
  const served = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(location);
  if (served) return decodeURIComponent(served[1]);
  const s3 = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(location);
  if (s3 && s3[1] === bucket) return decodeURIComponent(s3[2]);
  return undefined;
}
