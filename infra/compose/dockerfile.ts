// A Dockerfile as its build stages, for the image tests (parsed by dockerfile-ast,
// the parser of the Docker language server).
import path from "node:path";
import { build } from "esbuild";
import { DockerfileParser, type Copy, type From, type Instruction, type JSONInstruction, type PropertyInstruction } from "dockerfile-ast";

export interface Stage {
  name?: string;
  /** An image reference, or the name of an earlier stage. */
  base: string;
  instructions: Instruction[];
}

export function readStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = instruction as From;
      stages.push({ name: from.getBuildStage() ?? undefined, base: from.getImage() ?? "", instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
}

/** The stage and the earlier stages it is built on, the first base first. */
export function lineage(stages: Stage[], name: string): Stage[] {
  const stage = stageNamed(stages, name);
  const parent = stages.slice(0, stages.indexOf(stage)).find((s) => s.name === stage.base);
  return parent?.name ? [...lineage(stages, parent.name), stage] : [stage];
}

export const keyword = (stage: Stage, word: string) => stage.instructions.filter((i) => i.getKeyword() === word);

export const words = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());

export const flag = (instruction: Instruction, name: string) =>
  (instruction as Copy).getFlags().find((f) => f.getName() === name)?.getValue() ?? undefined;

/** The exec-form arguments of CMD, ENTRYPOINT or HEALTHCHECK CMD. */
export const execForm = (instruction: Instruction) => (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());

/** The parser directives at the top of the file (`# syntax=…`, `# escape=…`), by name. */
export const directives = (text: string) => DockerfileParser.parse(text).getDirectives().map((d) => d.getName().toLowerCase());

/** The environment a stage's RUN steps and containers see: its own ENV and its earlier stages'. */
export function environment(stages: Stage[], name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const stage of lineage(stages, name)) {
    for (const instruction of keyword(stage, "ENV")) {
      for (const property of (instruction as PropertyInstruction).getProperties()) env[property.getName()] = property.getValue() ?? "";
    }
  }
  return env;
}

export const workdir = (stages: Stage[], name: string) =>
  lineage(stages, name).flatMap((s) => keyword(s, "WORKDIR").map((w) => words(w)[0])).at(-1) ?? "/";

/**
 * Where a file of the repository ends up in a stage's image, by the COPY steps
 * from the build context in its lineage (the last one wins, as in Docker), or
 * undefined when none copies it. A directory source copies its contents.
 * With `before`, only the steps that come before that instruction count.
 */
export function placedAt(
  stages: Stage[],
  name: string,
  file: string,
  isDirectory: (source: string) => boolean,
  before?: Instruction,
): string | undefined {
  const dir = workdir(stages, name);
  const steps = lineage(stages, name).flatMap((s) => s.instructions);
  const upTo = before ? steps.indexOf(before) : steps.length;
  if (upTo < 0) throw new Error(`that instruction is not in the lineage of stage ${name}`);
  let placed: string | undefined;
  for (const copy of steps.slice(0, upTo).filter((i) => i.getKeyword() === "COPY" && !flag(i, "from"))) {
    const args = words(copy);
    const dest = path.posix.resolve(dir, args.at(-1)!);
    const toDirectory = args.at(-1)!.endsWith("/") || args.length > 2;
    for (const source of args.slice(0, -1).map((s) => path.posix.normalize(s))) {
      if (source === "." || (isDirectory(source) && file.startsWith(`${source}/`))) {
        placed = path.posix.join(dest, source === "." ? file : path.posix.relative(source, file));
      } else if (source === file) {
        placed = toDirectory ? path.posix.join(dest, path.posix.basename(file)) : dest;
      }
    }
  }
  return placed;
}

/** The repository's own source files an entry point imports, itself included (esbuild follows the imports). */
export async function localImports(root: string, entry: string): Promise<string[]> {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir: "out",
    logLevel: "silent",
  });
  return Object.keys(metafile.inputs).sort();
}
