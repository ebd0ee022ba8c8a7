// A Dockerfile as its build stages, for the image tests (parsed by dockerfile-ast,
// the parser of the Docker language server).
import { DockerfileParser, type Copy, type From, type Instruction, type JSONInstruction } from "dockerfile-ast";

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
