import { sha256Hex } from "./sha256";

/**
 * Ids of the catalog's collections and items: stable (derived from the GitLab project id, the
 * registered model's exact name and the version number, never from a path that a rename changes),
 * unique, and URL-safe without encoding.
 *
 * Item: `<project id>-<slug>-v<version>` when the name is already its own slug (lowercase letters,
 * digits, single dashes), else `<project id>-<slug>--<hash>-v<version>` with 10 hex digits of the
 * name's SHA-256, so "Iris model", "iris/model" and "iris-model" stay three items. A slug never
 * holds "--", so the two forms cannot meet.
 */

export const projectCollectionId = (projectId: number) => `gitlab-${projectId}`;
const PROJECT_COLLECTION = /^gitlab-([1-9]\d{0,9})$/;

export function parseProjectCollectionId(id: string): number | undefined {
  const m = PROJECT_COLLECTION.exec(id);
  return m ? Number(m[1]) : undefined;
}

const MAX_SLUG = 48;

/** The SharingHub naming convention: `<name> (<project id>)`; the suffix says nothing the id does not. */
export const withoutProjectSuffix = (name: string, projectId: number) => name.replace(new RegExp(`\\s*\\(${projectId}\\)$`), "") || name;

export function slug(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG)
    .replace(/-+$/, "");
  return s || "model";
}

export function itemId(projectId: number, modelName: string, version: string | number): string {
  const s = slug(withoutProjectSuffix(modelName, projectId));
  const middle = s === modelName ? s : `${s}--${sha256Hex(modelName).slice(0, 10)}`;
  return `${projectId}-${middle}-v${version}`;
}

const ITEM = /^([1-9]\d{0,9})-([a-z0-9-]+)-v([1-9]\d{0,9})$/;

/** The project and version an item id names (the model is found by comparing ids), or undefined. */
export function parseItemId(id: string): { projectId: number; version: string } | undefined {
  const m = ITEM.exec(id);
  return m ? { projectId: Number(m[1]), version: m[3] } : undefined;
}

/** Where the hub serves a version's STAC item (relative to the hub; the API's own links are absolute). */
export const stacItemPath = (projectId: number, modelName: string, version: string | number) =>
  `/api/stac/collections/${projectCollectionId(projectId)}/items/${itemId(projectId, modelName, version)}`;
