import { MLM_SCHEMA, artifactType, mlmProperties, type MlmodelFacts } from "./mlm";
import { modelFileRoute } from "./files";
import { withoutProjectSuffix } from "./ids";
import type { VersionRecord } from "./search";

export const STAC_VERSION = "1.1.0";

/** What pystac-client (https://api.stacspec.org/v1.0.*) and STAC Browser (v1.*) look for. */
export const CONFORMANCE = [
  "https://api.stacspec.org/v1.0.0/core",
  "https://api.stacspec.org/v1.0.0/collections",
  "https://api.stacspec.org/v1.0.0/ogcapi-features",
  "https://api.stacspec.org/v1.0.0/item-search",
  "https://api.stacspec.org/v1.0.0/item-search#sort",
  "https://api.stacspec.org/v1.0.0/ogcapi-features#sort",
  "https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
  "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features#free-text",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];

const JSON_TYPE = "application/json";
const GEOJSON = "application/geo+json";
const HTML = "text/html";

export interface Link {
  rel: string;
  href: string;
  type?: string;
  title?: string;
  method?: "GET" | "POST";
  body?: Record<string, unknown>;
  merge?: boolean;
  [key: string]: unknown;
}

/** Absolute URLs of the hub as people reach it (AUTH_URL), never the request's Host. */
export function hubUrls(hubUrl: string) {
  const hub = hubUrl.replace(/\/+$/, "");
  const root = `${hub}/api/stac`;
  const enc = encodeURIComponent;
  const tracking = (projectPath: string) => `${hub}/mlflow/${projectPath}/tracking/`;
  /** Model files through the gateway, by project id (survives renames), with its permission check. */
  const modelFile = (projectId: number, name: string, version: string, source: string | undefined, path: string) =>
    `${hub}/mlflow/${projectId}/tracking/${modelFileRoute(name, version, source, path)}`;
  return {
    hub,
    root,
    collection: (id: string) => `${root}/collections/${enc(id)}`,
    items: (id: string) => `${root}/collections/${enc(id)}/items`,
    item: (collection: string, id: string) => `${root}/collections/${enc(collection)}/items/${enc(id)}`,
    tracking,
    modelFile,
    versionApi: (projectPath: string, name: string, version: string) => `${tracking(projectPath)}api/2.0/mlflow/model-versions/get?name=${enc(name)}&version=${enc(version)}`,
    aliasApi: (projectPath: string, name: string, alias: string) => `${tracking(projectPath)}api/2.0/mlflow/registered-models/alias?name=${enc(name)}&alias=${enc(alias)}`,
    dashboardProject: (projectPath: string) => `${hub}/projects/${projectPath}`,
    dashboardModel: (projectPath: string, name: string) => `${hub}/projects/${projectPath}/models/${enc(name)}`,
    dashboardRun: (projectPath: string, runId: string) => `${hub}/projects/${projectPath}/runs/${enc(runId)}`,
  };
}
export type HubUrls = ReturnType<typeof hubUrls>;

export interface CollectionInfo {
  id: string;
  title: string;
  description: string;
  keywords: string[];
  /** Earliest version's creation (ms), for the temporal extent. */
  start?: number;
  /** A project collection's project. */
  project?: { id: number; path: string };
}

export function landingPage(u: HubUrls, collections: readonly CollectionInfo[]) {
  return {
    type: "Catalog",
    stac_version: STAC_VERSION,
    id: "mlflow-hub",
    title: "MLflow Hub models",
    description: "Registered model versions of the GitLab projects you may read, with the STAC MLM extension.",
    conformsTo: CONFORMANCE,
    links: [
      { rel: "self", href: u.root, type: JSON_TYPE },
      { rel: "root", href: u.root, type: JSON_TYPE },
      { rel: "service-desc", href: `${u.root}/api`, type: "application/vnd.oai.openapi+json;version=3.0", title: "OpenAPI description" },
      { rel: "conformance", href: `${u.root}/conformance`, type: JSON_TYPE },
      { rel: "data", href: `${u.root}/collections`, type: JSON_TYPE },
      { rel: "search", href: `${u.root}/search`, type: GEOJSON, method: "GET" },
      { rel: "search", href: `${u.root}/search`, type: GEOJSON, method: "POST" },
      { rel: "alternate", href: u.hub, type: HTML, title: "MLflow Hub" },
      ...collections.map((c) => ({ rel: "child", href: u.collection(c.id), type: JSON_TYPE, title: c.title })),
    ] satisfies Link[],
  };
}

export function collection(u: HubUrls, c: CollectionInfo) {
  const links: Link[] = [
    { rel: "self", href: u.collection(c.id), type: JSON_TYPE },
    { rel: "root", href: u.root, type: JSON_TYPE },
    { rel: "parent", href: u.root, type: JSON_TYPE },
    { rel: "items", href: u.items(c.id), type: GEOJSON },
  ];
  if (c.project) {
    links.push(
      { rel: "mlflow:tracking-uri", href: u.tracking(c.project.path), title: "MLflow tracking URI" },
      { rel: "alternate", href: u.dashboardProject(c.project.path), type: HTML, title: "Project dashboard" },
    );
  }
  return {
    type: "Collection",
    stac_version: STAC_VERSION,
    id: c.id,
    title: c.title,
    description: c.description,
    keywords: c.keywords,
    license: "other",
    extent: {
      spatial: { bbox: [[-180, -90, 180, 90]] },
      temporal: { interval: [[c.start === undefined ? null : new Date(c.start).toISOString(), null]] },
    },
    ...(c.project ? { "gitlab:project_id": c.project.id, "gitlab:project_path": c.project.path } : {}),
    links,
  };
}

/** What the catalog reads of a version beyond its record: the model's files, tags and source run. */
export interface VersionDetail {
  description?: string;
  modelDescription?: string;
  stage?: string;
  status?: string;
  aliases: string[];
  /** Registered model tags overridden by the version's. */
  tags: Record<string, string>;
  runId?: string;
  /** The version's source (where its files are read from). */
  source?: string;
  params: { key: string; value: string }[];
  metrics: Record<string, number>;
  mlmodel?: MlmodelFacts;
  /** Why the MLmodel could not be read, when it could not. */
  mlmodelProblem?: string;
  exampleColumns?: string[];
}

export function item(u: HubUrls, r: VersionRecord, d: VersionDetail) {
  const name = withoutProjectSuffix(r.modelName, r.projectId);
  const file = (path: string) => u.modelFile(r.projectId, r.modelName, r.version, d.source, path);
  const links: Link[] = [
    { rel: "self", href: u.item(r.collection, r.id), type: GEOJSON },
    { rel: "root", href: u.root, type: JSON_TYPE },
    { rel: "parent", href: u.collection(r.collection), type: JSON_TYPE },
    { rel: "collection", href: u.collection(r.collection), type: JSON_TYPE },
    { rel: "mlflow:tracking-uri", href: u.tracking(r.projectPath), title: "MLflow tracking URI" },
    { rel: "mlflow:model", href: u.versionApi(r.projectPath, r.modelName, r.version), type: JSON_TYPE, title: `${r.modelName} version ${r.version}`, "mlflow:uri": `models:/${r.modelName}/${r.version}` },
    ...d.aliases.map((alias) => ({
      rel: "mlflow:model",
      href: u.aliasApi(r.projectPath, r.modelName, alias),
      type: JSON_TYPE,
      title: `${r.modelName}@${alias}`,
      "mlflow:uri": `models:/${r.modelName}@${alias}`,
    })),
    { rel: "alternate", href: u.dashboardModel(r.projectPath, r.modelName), type: HTML, title: "Model page on the hub" },
  ];
  if (d.runId) links.push({ rel: "mlflow:run", href: u.dashboardRun(r.projectPath, d.runId), type: HTML, title: `Source run ${d.runId}`, "mlflow:run_id": d.runId });

  const assets: Record<string, Record<string, unknown>> = {
    model: {
      href: file("MLmodel"),
      type: "application/yaml",
      title: "MLflow model (MLmodel); load it with mlflow.pyfunc.load_model and the mlflow:uri",
      roles: ["mlm:model", "metadata"],
      "mlm:artifact_type": artifactType(d.mlmodel),
    },
  };
  if (d.mlmodel?.weightsFile) assets.weights = { href: file(d.mlmodel.weightsFile), type: "application/octet-stream", title: `Serialised model (${d.mlmodel.weightsFile})`, roles: ["mlm:weights", "data"] };
  for (const env of d.mlmodel?.environmentFiles ?? []) assets[`environment-${env.replace(/[^a-zA-Z0-9]+/g, "-")}`] = { href: file(env), type: env.endsWith(".txt") ? "text/plain" : "application/yaml", title: `Environment (${env})`, roles: ["mlm:inference-runtime"] };
  if (d.mlmodel?.inputExamplePath) assets["input-example"] = { href: file(d.mlmodel.inputExamplePath), type: JSON_TYPE, title: "Input example", roles: ["example"] };

  const created = new Date(r.created).toISOString();
  return {
    type: "Feature",
    stac_version: STAC_VERSION,
    stac_extensions: [MLM_SCHEMA],
    id: r.id,
    collection: r.collection,
    geometry: null,
    properties: {
      title: r.title,
      description: d.description || d.modelDescription || `Version ${r.version} of the registered model ${name} in ${r.projectPath}.`,
      datetime: created,
      created,
      updated: new Date(r.updated).toISOString(),
      ...mlmProperties({ name, tags: d.tags, mlmodel: d.mlmodel, exampleColumns: d.exampleColumns, params: d.params }),
      "mlflow:model_name": r.modelName,
      "mlflow:version": r.version,
      "mlflow:uri": `models:/${r.modelName}/${r.version}`,
      "mlflow:aliases": d.aliases,
      ...(d.stage && d.stage !== "None" ? { "mlflow:stage": d.stage } : {}),
      ...(d.runId ? { "mlflow:run_id": d.runId } : {}),
      ...(Object.keys(d.metrics).length ? { "mlflow:metrics": d.metrics } : {}),
      ...(Object.keys(d.tags).length ? { "mlflow:tags": d.tags } : {}),
      ...(d.mlmodel ? { "mlflow:flavors": d.mlmodel.flavours } : {}),
      ...(d.mlmodel?.mlflowVersion ? { "mlflow:mlflow_version": d.mlmodel.mlflowVersion } : {}),
      ...(d.mlmodel?.modelSizeBytes !== undefined ? { "mlflow:model_size_bytes": d.mlmodel.modelSizeBytes } : {}),
      ...(d.mlmodelProblem ? { "mlflow:mlmodel_problem": d.mlmodelProblem } : {}),
      "gitlab:project_id": r.projectId,
      "gitlab:project_path": r.projectPath,
    },
    links,
    assets,
  };
}

export function itemCollection(features: unknown[], links: Link[], matched: number) {
  return { type: "FeatureCollection", features, links, numberMatched: matched, numberReturned: features.length };
}
