import { parse as parseYaml } from "yaml";

/**
 * The STAC MLM extension v1.5.2 fields of one registered model version, mapped from what MLflow
 * holds about it: the MLmodel file (flavours, signature, input example), the registered model's
 * and the version's tags, and the source run's params. No MLflow mapping is published anywhere;
 * this one keeps to the schema's fixed vocabularies (see README, "STAC catalog").
 */
export const MLM_SCHEMA = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json";

export const MLM_TASKS = [
  "regression", "classification", "scene-classification", "detection", "object-detection", "segmentation", "semantic-segmentation",
  "instance-segmentation", "panoptic-segmentation", "similarity-search", "generative", "image-captioning", "super-resolution", "downscaling",
] as const;

/** MLflow flavour → MLM framework name (the schema's own names where it has one) and the MLmodel key of its version. */
const FRAMEWORKS: Record<string, { name: string; versionKey: string }> = {
  sklearn: { name: "scikit-learn", versionKey: "sklearn_version" },
  pytorch: { name: "PyTorch", versionKey: "pytorch_version" },
  tensorflow: { name: "TensorFlow", versionKey: "tensorflow_version" },
  keras: { name: "Keras", versionKey: "keras_version" },
  onnx: { name: "ONNX", versionKey: "onnx_version" },
  transformers: { name: "Hugging Face", versionKey: "transformers_version" },
  xgboost: { name: "XGBoost", versionKey: "xgb_version" },
  lightgbm: { name: "LightGBM", versionKey: "lgb_version" },
  catboost: { name: "CatBoost", versionKey: "catboost_version" },
  paddle: { name: "Paddle", versionKey: "paddle_version" },
};

/** MLflow column types → raster data types (MLM's `data_type`). */
const COLUMN_TYPES: Record<string, string> = { double: "float64", float: "float32", long: "int64", integer: "int32" };
const NUMPY_TYPES = new Set(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"]);
const numpyType = (dtype: string) => (NUMPY_TYPES.has(dtype) ? dtype : dtype === "complex64" ? "cfloat32" : dtype === "complex128" ? "cfloat64" : "other");

export interface MlmStructure {
  shape: number[];
  dim_order: string[];
  data_type: string;
}
export interface MlmInput {
  name: string;
  description?: string;
  input: MlmStructure;
}
export interface MlmOutput {
  name: string;
  description?: string;
  tasks: string[];
  result: MlmStructure;
}

export interface MlmodelFacts {
  flavours: string[];
  /** The flavour the MLM framework comes from (not python_function, unless it is the only one). */
  flavour?: string;
  framework?: string;
  frameworkVersion?: string;
  mlflowVersion?: string;
  /** Files of the model directory the catalog offers as assets, by role. */
  weightsFile?: string;
  environmentFiles: string[];
  inputExamplePath?: string;
  signature?: { inputs?: SignatureEntry[]; outputs?: SignatureEntry[] };
  modelSizeBytes?: number;
}

interface SignatureEntry {
  type: string;
  name?: string;
  "tensor-spec"?: { dtype: string; shape: number[] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

function signaturePart(text: unknown): SignatureEntry[] | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((e): e is SignatureEntry => isObject(e) && typeof e.type === "string") : undefined;
  } catch {
    return undefined;
  }
}

/** Reads an MLmodel file; throws on text that is not one. */
export function readMlmodel(text: string): MlmodelFacts {
  const doc: unknown = parseYaml(text);
  if (!isObject(doc) || !isObject(doc.flavors)) throw new Error("not an MLmodel file: no flavors");
  const flavors = doc.flavors as Record<string, unknown>;
  const flavours = Object.keys(flavors);
  const flavour = flavours.find((f) => f !== "python_function") ?? (flavours.includes("python_function") ? "python_function" : undefined);
  const conf = (flavour && isObject(flavors[flavour]) ? flavors[flavour] : {}) as Record<string, unknown>;
  const pyfunc = (isObject(flavors.python_function) ? flavors.python_function : {}) as Record<string, unknown>;
  const known = flavour ? FRAMEWORKS[flavour] : undefined;
  const otherVersionKey = Object.keys(conf).find((k) => k.endsWith("_version") && k !== "python_version");
  const framework = known?.name ?? (flavour === "python_function" ? "MLflow" : flavour);
  const frameworkVersion = str(conf[known?.versionKey ?? otherVersionKey ?? ""]) ?? (flavour === "python_function" ? str(doc.mlflow_version) : undefined);
  const env = isObject(pyfunc.env) ? Object.values(pyfunc.env).filter((v): v is string => typeof v === "string") : [];
  const example = isObject(doc.saved_input_example_info) ? str(doc.saved_input_example_info.artifact_path) : undefined;
  const sig = isObject(doc.signature) ? { inputs: signaturePart(doc.signature.inputs), outputs: signaturePart(doc.signature.outputs) } : undefined;
  const weights = [conf.pickled_model, conf.data, conf.model_data, pyfunc.model_path, pyfunc.data].map(str).find(Boolean);
  return {
    flavours,
    flavour,
    framework,
    frameworkVersion,
    mlflowVersion: str(doc.mlflow_version),
    weightsFile: weights && !weights.includes("..") ? weights : undefined,
    environmentFiles: env.filter((f) => !f.includes("..")),
    inputExamplePath: example && !example.includes("..") ? example : undefined,
    signature: sig,
    modelSizeBytes: typeof doc.model_size_bytes === "number" ? doc.model_size_bytes : undefined,
  };
}

/** dim_order names: unique, lowercase letters only (no digits), `bands`/`variables` reserved for band references. */
const AXES = ["height", "width", "channel", "depth", "time"];
const dimOrder = (rank: number) => ["batch", ...Array.from({ length: Math.max(0, rank - 1) }, (_, i) => AXES[i] ?? `axis-${String.fromCharCode(97 + i)}`)];

function columns(entries: SignatureEntry[]): { shape: number[]; dim_order: string[]; data_type: string; description: string } {
  const types = new Set(entries.map((e) => COLUMN_TYPES[e.type] ?? "other"));
  const description = `Columns: ${entries.map((e) => `${e.name ?? "(unnamed)"} (${e.type})`).join(", ")}`;
  return { shape: [-1, entries.length], dim_order: ["batch", "feature"], data_type: types.size === 1 ? [...types][0] : "other", description };
}

function tensor(e: SignatureEntry): MlmStructure {
  const spec = e["tensor-spec"]!;
  const shape = Array.isArray(spec.shape) && spec.shape.length ? spec.shape.map((n) => (Number.isInteger(n) && n >= -1 ? n : -1)) : [-1];
  return { shape, dim_order: dimOrder(shape.length), data_type: numpyType(String(spec.dtype)) };
}

const isTensor = (e: SignatureEntry) => e.type === "tensor" && isObject(e["tensor-spec"]);

function inputsOf(entries: SignatureEntry[] | undefined, exampleColumns?: string[]): MlmInput[] {
  if (!entries?.length) {
    if (!exampleColumns?.length) return [];
    return [{ name: "features", description: `Columns (from the input example): ${exampleColumns.join(", ")}`, input: { shape: [-1, exampleColumns.length], dim_order: ["batch", "feature"], data_type: "other" } }];
  }
  const tensors = entries.filter(isTensor);
  if (tensors.length === entries.length) return tensors.map((e, i) => ({ name: e.name || (tensors.length === 1 ? "input" : `input-${i + 1}`), input: tensor(e) }));
  const { description, ...input } = columns(entries);
  return [{ name: "features", description, input }];
}

function outputsOf(entries: SignatureEntry[] | undefined, tasks: string[]): MlmOutput[] {
  if (!entries?.length) return [];
  const tensors = entries.filter(isTensor);
  if (tensors.length === entries.length) return tensors.map((e, i) => ({ name: e.name || (tensors.length === 1 ? "output" : `output-${i + 1}`), tasks, result: tensor(e) }));
  const { description, ...result } = columns(entries);
  return [{ name: "prediction", description, tasks, result }];
}

/** A list tag: comma- or space-separated. */
const listTag = (v: string | undefined) => (v ?? "").split(/[\s,]+/).map((t) => t.trim().toLowerCase()).filter(Boolean);

/** MLM's name pattern: a letter first, letters, digits, `_ . -` and spaces inside, a letter or digit last. */
export function mlmName(name: string): string {
  const ascii = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-zA-Z0-9_.\-\s]+/g, "-");
  let s = ascii.replace(/^[^a-zA-Z]+/, "").replace(/[^a-zA-Z0-9]+$/, "");
  if (s.length < 3) s = `model${s ? `-${s}` : ""}`;
  return s;
}

const PARAM_KEY = /^[0-9a-zA-Z_.-]+$/;

/** Run params are strings in MLflow; numbers and booleans are given back their type. */
function paramValue(v: string): string | number | boolean {
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v.trim())) return Number(v);
  if (v === "True" || v === "true") return true;
  if (v === "False" || v === "false") return false;
  return v;
}

export function hyperparameters(params: readonly { key: string; value: string }[]): Record<string, string | number | boolean> | undefined {
  const out: Record<string, string | number | boolean> = {};
  for (const p of params) out[PARAM_KEY.test(p.key) ? p.key : p.key.replace(/[^0-9a-zA-Z_.-]/g, "_")] = paramValue(p.value);
  return Object.keys(out).length ? out : undefined;
}

export interface MlmInputs {
  /** The registered model's name without a ` (<project id>)` suffix. */
  name: string;
  /** The registered model's tags, overridden by the version's. */
  tags: Record<string, string>;
  mlmodel?: MlmodelFacts;
  /** Column names of a dataframe input example, when the model has no signature. */
  exampleColumns?: string[];
  params: readonly { key: string; value: string }[];
}

/** The Item properties of the MLM extension. */
export function mlmProperties(m: MlmInputs): Record<string, unknown> {
  const tasks = [...new Set(listTag(m.tags["mlm:tasks"] ?? m.tags.tasks ?? m.tags.task))].filter((t): t is (typeof MLM_TASKS)[number] => (MLM_TASKS as readonly string[]).includes(t));
  const props: Record<string, unknown> = {
    "mlm:name": mlmName(m.name),
    "mlm:architecture": (m.tags["mlm:architecture"] ?? m.tags.architecture ?? "").trim() || "unknown",
    "mlm:tasks": tasks,
    "mlm:input": inputsOf(m.mlmodel?.signature?.inputs, m.exampleColumns),
    "mlm:output": outputsOf(m.mlmodel?.signature?.outputs, tasks),
  };
  if (m.mlmodel?.framework) props["mlm:framework"] = m.mlmodel.framework;
  if (m.mlmodel?.frameworkVersion) props["mlm:framework_version"] = m.mlmodel.frameworkVersion;
  const hp = hyperparameters(m.params);
  if (hp) props["mlm:hyperparameters"] = hp;
  return props;
}

/** The artifact type of the model asset: how an MLflow model directory of this flavour is written. */
export const artifactType = (facts: MlmodelFacts | undefined) => `mlflow.${facts?.flavour === "python_function" || !facts?.flavour ? "pyfunc" : facts.flavour}.save_model`;

/** Column names of a dataframe input example (split or records orient); undefined for anything else. */
export function exampleColumns(text: string): string[] | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    if (isObject(doc) && Array.isArray(doc.columns) && doc.columns.every((c) => typeof c === "string" || typeof c === "number")) return doc.columns.map(String);
    if (Array.isArray(doc) && isObject(doc[0])) return Object.keys(doc[0]);
  } catch {
    return undefined;
  }
  return undefined;
}
