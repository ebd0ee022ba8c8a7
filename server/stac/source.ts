import "server-only";
import { config } from "@/lib/config";
import type { ResolvableCredential } from "@/lib/gateway/access";
import { readCredential } from "@/lib/gateway/credentials";
import { decide } from "@/lib/gateway/decide";
import type { GatewayError } from "@/lib/gateway/errors";
import type { CatalogSource, ReadableProject } from "@/lib/stac/api";
import { StacError } from "@/lib/stac/errors";
import { itemId, projectCollectionId, withoutProjectSuffix } from "@/lib/stac/ids";
import type { VersionRecord } from "@/lib/stac/search";
import { sharedAccessResolver } from "@/server/access";
import { sharedSessions } from "@/server/sessions";
import { stacCatalog, type ProjectModels } from "./catalog";

/**
 * The resolver and the catalog live on globalThis and may have been built by the gateway's bundle,
 * whose GatewayError is another class than this bundle's: recognised by shape, not instanceof.
 */
const isGatewayError = (e: unknown): e is GatewayError => e instanceof Error && e.name === "GatewayError" && typeof (e as GatewayError).status === "number";

/** Gateway refusals in the STAC API's error shape; 5xx keep their status (and Retry-After). */
export function stacErrorOf(e: GatewayError): StacError {
  const code = e.status === 401 ? "Unauthorized" : e.status === 503 ? "ServiceUnavailable" : e.status >= 500 ? "ServerError" : "InvalidParameterValue";
  return new StacError(e.status, code, e.message, e.headers);
}

/**
 * Who is calling, as the gateway would see them: `Authorization` (Bearer or Basic: a GitLab,
 * CI job or hub project token) or the hub's session cookie. A cookie whose session has ended
 * reads as anonymous (a browser cannot leave its cookie out); a token GitLab refuses is a 401.
 */
async function credentialOf(request: Request): Promise<ResolvableCredential> {
  const presented = readCredential(request.headers.get("authorization") ?? undefined, request.headers.get("cookie") ?? undefined);
  if (presented.kind !== "session") return presented;
  const identity = await sharedSessions().resolve(presented.sessionToken);
  return identity ? { kind: "hub-session", token: identity.token } : { kind: "anonymous" };
}

const lower = (s: string | undefined) => (s ?? "").toLowerCase();

function records(project: { id: number; path: string; topics: readonly string[] }, m: ProjectModels): VersionRecord[] {
  const models = new Map(m.models.map((r) => [r.name, r]));
  return m.versions
    .filter((v) => !v.status || v.status === "READY")
    .map((v) => {
      const model = models.get(v.name);
      const aliases = (model?.aliases ?? []).filter((a) => a.version === v.version).map((a) => a.alias);
      const tags = [...(model?.tags ?? []), ...(v.tags ?? [])];
      const created = v.creation_timestamp ?? 0;
      return {
        id: itemId(project.id, v.name, v.version),
        collection: projectCollectionId(project.id),
        projectId: project.id,
        projectPath: project.path,
        topics: project.topics,
        modelName: v.name,
        version: v.version,
        created,
        updated: v.last_updated_timestamp ?? created,
        title: `${withoutProjectSuffix(v.name, project.id)} v${v.version}`,
        text: [v.name, v.description, model?.description, project.path, ...aliases, ...tags.flatMap((t) => [t.key, t.value])].map(lower).join("\n"),
      };
    });
}

/**
 * The catalog as this caller may read it: every project with registered models, kept only when
 * the gateway's own resolver and decide() allow the caller to read it (the same cache the
 * gateway uses, so no GitLab call when the caller used the project a moment ago).
 */
export async function callerSource(request: Request): Promise<CatalogSource> {
  const catalog = stacCatalog();
  const c = config();
  let credential: ResolvableCredential;
  try {
    credential = await credentialOf(request);
  } catch (e) {
    throw isGatewayError(e) ? stacErrorOf(e) : e;
  }
  let readable: Promise<ReadableProject[]> | undefined;
  const snapshots = new Map<number, ProjectModels>();

  async function load(): Promise<ReadableProject[]> {
    try {
      const withModels = (await Promise.all((await catalog.projectIds()).map((id) => catalog.projectModels(id)))).filter((m) => m.models.length > 0);
      const resolver = sharedAccessResolver();
      const resolve = async (m: ProjectModels) => ({ m, result: await resolver.resolve(credential, { kind: "id", id: m.projectId }) });
      // A token GitLab refuses is refused here too, not shown an empty catalog; and it is found out
      // on one project before the others are asked: an unknown token costs one GitLab call, not one per project.
      const first = credential.kind === "anonymous" || withModels.length === 0 ? undefined : await resolve(withModels[0]);
      if (first?.result.kind === "denied" && first.result.error.status === 401) throw first.result.error;
      const answers = [...(first ? [first] : []), ...(await Promise.all(withModels.slice(first ? 1 : 0).map(resolve)))];
      const refused = answers.find((a) => a.result.kind === "denied" && a.result.error.status === 401);
      if (refused && credential.kind !== "anonymous" && refused.result.kind === "denied") throw refused.result.error;
      const out: ReadableProject[] = [];
      for (const { m, result } of answers) {
        if (result.kind !== "granted" || !decide("read", result.access, c.DELETE_MIN_ACCESS_LEVEL).allow) continue;
        const project = { id: result.access.project.id, path: result.access.project.path, topics: result.access.project.topics };
        snapshots.set(project.id, m);
        out.push({ ...project, modelCount: m.models.length, records: records(project, m) });
      }
      return out.sort((a, b) => a.id - b.id);
    } catch (e) {
      throw isGatewayError(e) ? stacErrorOf(e) : e;
    }
  }

  return {
    readable: () => (readable ??= load()),
    async detail(record) {
      const m = snapshots.get(record.projectId)!;
      const version = m.versions.find((v) => v.name === record.modelName && v.version === record.version)!;
      try {
        return await catalog.detail(record.projectId, m.models.find((r) => r.name === record.modelName), version);
      } catch (e) {
        throw isGatewayError(e) ? stacErrorOf(e) : e;
      }
    },
  };
}
