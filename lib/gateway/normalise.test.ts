import { describe, expect, it } from "vitest";
import { GatewayError } from "./errors";
import { jsonNameOf, mergeShapes, normaliseBody, numbersSurviveReserialising, parseJsonObject, reserialise, type Shape } from "./normalise";

const SHAPE: Shape = { model_id: true, source_run_id: true, metrics: { model_id: true }, trace: { trace_info: { tags: true, trace_id: true } } };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return `${(e as GatewayError).status} ${(e as GatewayError).code} ${(e as GatewayError).message}`;
  }
  return "allowed";
}

describe("proto JSON names", () => {
  it("are protobuf's lowerCamelCase of the field name", () => {
    expect(jsonNameOf("model_id")).toBe("modelId");
    expect(jsonNameOf("source_run_id")).toBe("sourceRunId");
    expect(jsonNameOf("key")).toBe("key");
  });
});

describe("bodies in the form MLflow reads them", () => {
  it("renames camelCase keys a check reads to their proto names, at every level the shape names", () => {
    const { body, renamed } = normaliseBody(
      { modelId: "m-1", sourceRunId: "r", metrics: [{ modelId: "m-2", key: "loss" }, { model_id: "m-3" }], trace: { traceInfo: { traceId: "tr-x", tags: { a: "b" } } } },
      SHAPE,
    );
    expect(renamed).toBe(true);
    expect(body).toEqual({ model_id: "m-1", source_run_id: "r", metrics: [{ model_id: "m-2", key: "loss" }, { model_id: "m-3" }], trace: { trace_info: { trace_id: "tr-x", tags: { a: "b" } } } });
  });

  it("leaves keys no check reads, and the caller's keys inside a map, as they are", () => {
    const input = { runId: "r", trace: { trace_info: { tags: { someTag: "x", "mlflow.trace.spansLocation": "y" }, requestTime: "t" } } };
    const { body, renamed } = normaliseBody(input, SHAPE);
    expect(renamed).toBe(false);
    expect(body).toBe(input);
  });

  it("copies only what it renames: a sibling left alone is the caller's very object", () => {
    const untouched = { model_id: "m-2" };
    const { body } = normaliseBody({ metrics: [untouched, { modelId: "m-3" }], trace: { trace_info: { trace_id: "t" } } }, SHAPE);
    expect((body.metrics as unknown[])[0]).toBe(untouched);
    expect((body.metrics as unknown[])[1]).toEqual({ model_id: "m-3" });
  });

  it("keeps the order of keys, so MLflow meets them as the caller sent them", () => {
    expect(Object.keys(normaliseBody({ a: 1, modelId: "m", b: 2 }, SHAPE).body)).toEqual(["a", "model_id", "b"]);
  });

  it("refuses a field named in both spellings, at the top level and nested", () => {
    expect(refusal(() => normaliseBody({ model_id: "m-own", modelId: "m-other" }, SHAPE))).toMatch(/^400 INVALID_PARAMETER_VALUE The request names model_id twice/);
    expect(refusal(() => normaliseBody({ metrics: [{}, { modelId: "a", model_id: "b" }] }, SHAPE))).toMatch(/names metrics\[1\]\.model_id twice/);
    expect(refusal(() => normaliseBody({ trace: { trace_info: {}, traceInfo: {} } }, SHAPE))).toMatch(/names trace\.trace_info twice/);
    expect(refusal(() => normaliseBody({ trace: { traceInfo: { traceId: "a", trace_id: "b" } } }, SHAPE))).toMatch(/names trace\.trace_info\.trace_id twice/);
  });

  it("does not mistake a value that is not a message for one (null, strings, numbers in a list)", () => {
    const input = { metrics: [null, "x", 3], trace: null, model_id: null };
    expect(normaliseBody(input, SHAPE)).toEqual({ body: input, renamed: false });
  });

  it("keeps a __proto__ key as the caller's own data, never as the object's prototype", () => {
    const parsed = parseJsonObject(Buffer.from('{"__proto__": {"model_id": "m-other"}, "modelId": "m-1"}'));
    const { body } = normaliseBody(parsed, SHAPE);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(body.model_id).toBe("m-1");
    expect(JSON.stringify(body)).toBe('{"__proto__":{"model_id":"m-other"},"model_id":"m-1"}');
  });

  // JSON.parse and Python's json agree on both: escapes decode to the same key, and the later of two equal keys wins.
  it("sees a key spelled with JSON escapes, and the last of a repeated key, as MLflow does", () => {
    expect(normaliseBody(parseJsonObject(Buffer.from('{"model\\u0049d": "m-other"}')), SHAPE).body).toEqual({ model_id: "m-other" });
    expect(normaliseBody(parseJsonObject(Buffer.from('{"modelId": "m-own", "modelId": "m-other"}')), SHAPE).body).toEqual({ model_id: "m-other" });
    expect(refusal(() => normaliseBody(parseJsonObject(Buffer.from('{"model\\u005fid": "m-own", "modelId": "m-other"}')), SHAPE))).toMatch(/names model_id twice/);
  });

  it("merges the shapes of a route's checks", () => {
    expect(mergeShapes({ key: true, tags: { key: true } }, { tags: { value: true }, model_id: true })).toEqual({ key: true, tags: { key: true, value: true }, model_id: true });
    expect(mergeShapes({ trace: true }, { trace: { trace_info: true } })).toEqual({ trace: { trace_info: true } });
  });
});

describe("parsing a checked body", () => {
  it("refuses what is not a JSON object", () => {
    for (const text of ["[1]", '"{\\"modelId\\": \\"m\\"}"', "null", "{nope", "NaN"]) expect(refusal(() => parseJsonObject(Buffer.from(text)))).toMatch(/^400 /);
  });

  it("refuses bytes that are not UTF-8, which MLflow would read as an empty body", () => {
    expect(refusal(() => parseJsonObject(Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0x22, 0x3a, 0x31, 0x7d])))).toMatch(/^400 /);
    expect(refusal(() => parseJsonObject(Buffer.from('{"model_id":"m"}', "utf16le")))).toMatch(/^400 /);
  });

  it("reads an empty body as {} and a UTF-8 byte order mark as MLflow does", () => {
    expect(parseJsonObject(Buffer.alloc(0))).toEqual({});
    expect(parseJsonObject(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"model_id":"m"}')]))).toEqual({ model_id: "m" });
  });
});

describe("re-serialising a renamed body", () => {
  it("writes what MLflow would have read", () => {
    const raw = Buffer.from('{"run_id": "r", "modelId": "m", "value": 0.1, "step": 9007199254740991, "timestamp": 1.5e12, "key": "digits 12345678901234567890 in a string"}');
    const { body } = normaliseBody(parseJsonObject(raw), SHAPE);
    expect(JSON.parse(reserialise(raw, body).toString())).toEqual({ run_id: "r", model_id: "m", value: 0.1, step: 9007199254740991, timestamp: 1.5e12, key: "digits 12345678901234567890 in a string" });
  });

  it("refuses numbers JavaScript would change on the way: integers beyond 2^53, out-of-range values, -0", () => {
    for (const n of ["9007199254740993", "-9007199254740993", "1e400", "-0", "-0.0"]) {
      expect(numbersSurviveReserialising(`{"step": ${n}}`), n).toBe(false);
      expect(refusal(() => reserialise(Buffer.from(`{"modelId": "m", "step": ${n}}`), { model_id: "m", step: Number(n) }))).toMatch(/^400 INVALID_PARAMETER_VALUE/);
    }
    expect(numbersSurviveReserialising('{"a": "-0 and 1e400 inside a string \\" still", "b": [1, 2.5, -3e-7, 0]}')).toBe(true);
  });
});
