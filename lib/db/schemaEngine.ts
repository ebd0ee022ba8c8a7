import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";

export type { SchemaEngine };

/** Prisma's own defaults: no externally managed tables or enums. */
export const noFilter: SchemaFilter = { externalTables: [], externalEnums: [] };

type PanicRegistry = { set_message(message: string): void };

// The engine reports Rust panics through this global before it traps. The
// message tells what went wrong where the trap only says "unreachable", and
// after a panic the instance is unsafe to use, so it also marks the end of it.
let panicMessage: string | undefined;
const panicRegistry: PanicRegistry = {
  set_message(message) {
    panicMessage = message;
  },
};

let loaded: Promise<void> | undefined;

// The package's entry point imports the .wasm file as an ES module, which only
// bundlers understand; Node needs the module instantiated by hand. The glue
// keeps one instance per process, so this runs once.
function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry }).PRISMA_WASM_PANIC_REGISTRY = panicRegistry;
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
    const module = await WebAssembly.compile(await readFile(wasmPath));
    const instance = await WebAssembly.instantiate(module, { "./schema_engine_bg.js": withUnrefTimers(glue) });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loaded;
}

// The engine races some steps (taking Prisma's advisory lock, for one) against a
// 10-second timer that it never cancels, which held every CLI run open for ten
// seconds after its work was done. The work itself keeps the process alive while
// it lasts (a pending query), so the timers need not.
function withUnrefTimers(imports: object): WebAssembly.ModuleImports {
  const patched: Record<string, unknown> = { ...imports };
  for (const [name, value] of Object.entries(imports)) {
    if (!name.startsWith("__wbg_setTimeout_")) continue;
    const schedule = value as (callback: () => void, ms: number) => NodeJS.Timeout;
    patched[name] = (callback: () => void, ms: number) => schedule(callback, ms).unref();
  }
  return patched as WebAssembly.ModuleImports;
}

// Engine errors end with a Rust span trace ("   0: sql_schema_connector::…"),
// useful to Prisma's developers only; `_prisma_migrations.logs` keeps it anyway.
const spanTrace = /\n\s*0: [\s\S]*$/;

/** The engine's rejection as an Error that keeps its Prisma code (`P3009`…) and loses the span trace. */
export function engineError(cause: unknown): Error {
  if (cause instanceof WebAssembly.RuntimeError && panicMessage) {
    return new Error(`Prisma schema engine panicked: ${panicMessage}`, { cause });
  }
  if (!(cause instanceof Error)) return new Error(String(cause));
  cause.message = cause.message.replace(spanTrace, "");
  return cause;
}

export type EngineLog = (line: string) => void;

/**
 * Opens a schema engine that reaches the database only through `adapterFactory`.
 * The engine's own log lines (JSON, one per event) go to `log` when given.
 */
export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log?: EngineLog,
): Promise<SchemaEngine> {
  if (panicMessage) throw new Error(`Prisma schema engine panicked earlier in this process: ${panicMessage}`);
  await loadWasm();
  try {
    return await glue.SchemaEngine.new(
      { datamodels: undefined },
      (line: string) => log?.(line),
      bindMigrationAwareSqlAdapterFactory(adapterFactory),
    );
  } catch (cause) {
    throw engineError(cause);
  }
}

/**
 * Runs `work` with a fresh engine on `connections`, then frees the engine and
 * closes every connection it opened, whatever happened.
 */
export async function withSchemaEngine<T>(
  connections: SqlMigrationAwareDriverAdapterFactory & { close(): Promise<void> },
  work: (engine: SchemaEngine) => Promise<T>,
  log?: EngineLog,
): Promise<T> {
  try {
    const engine = await openSchemaEngine(connections, log);
    try {
      return await work(engine);
    } catch (cause) {
      throw engineError(cause);
    } finally {
      engine.free();
    }
  } finally {
    await connections.close();
  }
}

/** One of the engine's JSON log lines, or the raw line when it is not JSON. */
export function parseEngineLine(line: string): { level: string; message: string } {
  try {
    const event = JSON.parse(line) as { level?: string; fields?: { message?: string } };
    return { level: event.level ?? "INFO", message: event.fields?.message ?? line };
  } catch {
    return { level: "RAW", message: line };
  }
}

/**
 * Passes on only the engine's warnings and errors: its info lines repeat what
 * the callers already report, and debug lines carry whole SQL scripts.
 */
export function engineWarnings(log: (line: string) => void): EngineLog {
  return (line) => {
    const { level, message } = parseEngineLine(line);
    if (level === "RAW") log(`schema engine: ${message}`);
    if (level === "WARN" || level === "ERROR") log(`schema engine ${level.toLowerCase()}: ${message}`);
  };
}
