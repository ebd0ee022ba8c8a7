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

// The engine reports Rust panics through this global before it traps; keep the
// last message so the error we throw says what went wrong, not just "unreachable".
let lastPanic: string | undefined;
const panicRegistry: PanicRegistry = {
  set_message(message) {
    lastPanic = message;
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
function withUnrefTimers(imports: typeof glue): WebAssembly.ModuleImports {
  const patched: Record<string, unknown> = { ...imports };
  for (const name of Object.keys(imports).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    const schedule = imports[name as keyof typeof glue] as (callback: () => void, ms: number) => NodeJS.Timeout;
    patched[name] = (callback: () => void, ms: number) => schedule(callback, ms).unref();
  }
  return patched as WebAssembly.ModuleImports;
}

/** Turns what the engine rejects with into an Error that carries its message and Prisma error code. */
export function engineError(cause: unknown): Error {
  if (cause instanceof WebAssembly.RuntimeError && lastPanic) {
    const error = new Error(`Prisma schema engine panicked: ${lastPanic}`, { cause });
    lastPanic = undefined;
    return error;
  }
  if (cause instanceof Error) return cause;
  return new Error(String(cause));
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

/**
 * Passes on only the engine's warnings and errors: its info lines repeat what
 * the callers already report, and debug lines carry whole SQL scripts.
 */
export function engineWarnings(log: (line: string) => void): EngineLog {
  return (line) => {
    let event: { level?: string; fields?: { message?: string } };
    try {
      event = JSON.parse(line);
    } catch {
      log(`schema engine: ${line}`);
      return;
    }
    if (event.level === "WARN" || event.level === "ERROR") {
      log(`schema engine ${event.level.toLowerCase()}: ${event.fields?.message ?? line}`);
    }
  };
}
