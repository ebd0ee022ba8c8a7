import { invalid } from "./errors";

/**
 * Request bodies in the form MLflow reads them, so a check sees what MLflow will act on.
 *
 * MLflow parses a JSON body into its proto with google.protobuf's ParseDict
 * (handlers.py _get_request_message, utils/proto_json_utils.py parse_dict), which
 * takes every field under its proto name (`model_id`) or its lowerCamelCase JSON
 * name (`modelId`), at every nesting level, and lets the later key win when a body
 * has both (protobuf 7.36 compares raw key names, not fields). A check that read
 * only `model_id` let `{"modelId": <another project's model>}` through.
 *
 * So before any check the gateway renames, at the paths its checks read, every
 * lowerCamelCase key to its proto name, refuses a body that spells one field both
 * ways (MLflow's own _reject_conflicting_field_aliases does the same), and forwards
 * the renamed body. GET query parameters need no such step: MLflow reads them
 * under the proto names only (`?traceId=` is ignored), and reads a GET's JSON body
 * instead when the query is empty, which is why a GET takes no body (handler.ts).
 */

/**
 * The keys a check reads, as proto field names. `true` is a scalar, a repeated
 * scalar or a map (a map's keys are the caller's, never renamed); a nested shape
 * is a message, or a list of messages, whose own keys are renamed too.
 */
export interface Shape {
  readonly [field: string]: true | Shape;
}

/** protobuf's ToJsonName: drop each underscore and upper-case the character after it. */
export const jsonNameOf = (field: string) => field.replace(/_(.)/g, (_, c: string) => c.toUpperCase());

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Both shapes' fields; where both nest, both nestings. */
export function mergeShapes(a: Shape, b: Shape): Shape {
  const out: Record<string, true | Shape> = { ...a };
  for (const [field, sub] of Object.entries(b)) {
    const mine = out[field];
    out[field] = mine === undefined || mine === true ? sub : sub === true ? mine : mergeShapes(mine, sub);
  }
  return out;
}

/** Each shape's fields with their JSON names, worked out once per shape. */
const fieldsOf = new WeakMap<Shape, readonly { field: string; json: string; sub: true | Shape }[]>();
function fieldList(shape: Shape) {
  let list = fieldsOf.get(shape);
  if (!list) fieldsOf.set(shape, (list = Object.entries(shape).map(([field, sub]) => ({ field, json: jsonNameOf(field), sub }))));
  return list;
}

/**
 * The body with every field of `shape` under its proto name, and whether any key
 * was renamed; the very same object when nothing was (a log-batch of a thousand
 * metrics is not copied). Throws 400 INVALID_PARAMETER_VALUE for a field named both ways.
 */
export function normaliseBody(body: Record<string, unknown>, shape: Shape, at = ""): { body: Record<string, unknown>; renamed: boolean } {
  const rename = new Map<string, string>();
  const changed = new Map<string, unknown>();
  for (const { field, json, sub } of fieldList(shape)) {
    const camel = json !== field && has(body, json);
    if (camel && has(body, field)) throw invalid(`The request names ${at}${field} twice (${field} and ${json}): send only one of them.`);
    if (camel) rename.set(json, field);
    if (sub === true) continue;
    const value = body[camel ? json : field];
    const nested = (item: unknown, path: string) => (isObject(item) ? normaliseBody(item, sub, path).body : item);
    const next = Array.isArray(value) ? value.map((item, i) => nested(item, `${at}${field}[${i}].`)) : nested(value, `${at}${field}.`);
    if (Array.isArray(value) ? (next as unknown[]).some((item, i) => item !== value[i]) : next !== value) changed.set(field, next);
  }
  if (rename.size === 0 && changed.size === 0) return { body, renamed: false };
  // fromEntries defines properties: a "__proto__" key stays the caller's data, as JSON.parse left it.
  const out = Object.fromEntries(
    Object.entries(body).map(([key, value]) => {
      const field = rename.get(key) ?? key;
      return [field, changed.has(field) ? changed.get(field) : value];
    }),
  );
  return { body: out, renamed: true };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body as a JSON object. MLflow decodes it as UTF-8 (or UTF-16/32, which no
 * JSON parser here reads: refused) and reads a body that does not decode as empty;
 * a body the gateway read differently from MLflow would be checked for nothing.
 */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  if (!raw.length) return {};
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(raw));
  } catch {
    throw invalid("The request body is not a JSON object.");
  }
  if (!isObject(value)) throw invalid("The request body is not a JSON object.");
  return value;
}

// Strings first, so digits inside them are skipped; in valid JSON every other digit run is a number.
const STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * Whether JSON.stringify of the parsed body writes every number MLflow would read
 * from `text`: Python reads integers exactly and JavaScript as doubles, so an
 * integer beyond ±2^53 would change; so would a number out of double range
 * (Infinity, written as null) and -0 (written as 0).
 */
export function numbersSurviveReserialising(text: string): boolean {
  for (const [token] of text.matchAll(STRING_OR_NUMBER)) {
    if (token.startsWith('"')) continue;
    const n = Number(token);
    if (!Number.isFinite(n) || Object.is(n, -0)) return false;
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(n)) return false;
  }
  return true;
}

/** The body to forward after the gateway renamed keys or a check rewrote it. */
export function reserialise(raw: Buffer, body: Record<string, unknown>): Buffer {
  if (!numbersSurviveReserialising(raw.toString("utf8"))) {
    throw invalid("The request body has a number the hub cannot forward exactly (an integer beyond ±2^53, -0, or one out of range): write it as a JSON string, which MLflow reads the same.");
  }
  return Buffer.from(JSON.stringify(body));
}
