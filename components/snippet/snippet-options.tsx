"use client";

import { PRESETS, PRESET_LABELS, type Preset, type TokenSetup } from "@/lib/dashboard/snippet";

export interface SnippetChoices {
  experimentName: string;
  projectIdSuffix: boolean;
  preset: Preset;
  token: TokenSetup;
}

/** The user's choices; each change rewrites the blocks below at once. */
export function SnippetOptions({ value, onChange, projectId }: { value: SnippetChoices; onChange: (next: SnippetChoices) => void; projectId: number }) {
  const set = <K extends keyof SnippetChoices>(key: K, v: SnippetChoices[K]) => onChange({ ...value, [key]: v });
  return (
    <form className="snippet-options" onSubmit={(e) => e.preventDefault()} aria-label="Snippet options">
      <div className="field">
        <label htmlFor="experiment-name">Experiment name</label>
        <input id="experiment-name" value={value.experimentName} onChange={(e) => set("experimentName", e.target.value)} spellCheck={false} autoComplete="off" />
        <label className="snippet-check">
          <input type="checkbox" checked={value.projectIdSuffix} onChange={(e) => set("projectIdSuffix", e.target.checked)} />
          Add the project id, as in “name ({projectId})” (SharingHub convention: unique across this hub)
        </label>
      </div>
      <fieldset>
        <legend>Framework</legend>
        {PRESETS.map((p) => (
          <label key={p} className="snippet-check">
            <input type="radio" name="preset" value={p} checked={value.preset === p} onChange={() => set("preset", p)} />
            {PRESET_LABELS[p]}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Where the code runs</legend>
        <label className="snippet-check">
          <input type="radio" name="token" value="project" checked={value.token === "project"} onChange={() => set("token", "project")} />
          My machine, with a project token (this project only; recommended)
        </label>
        <label className="snippet-check">
          <input type="radio" name="token" value="personal" checked={value.token === "personal"} onChange={() => set("token", "personal")} />
          My machine, with a GitLab personal access token
        </label>
        <label className="snippet-check">
          <input type="radio" name="token" value="ci" checked={value.token === "ci"} onChange={() => set("token", "ci")} />
          GitLab CI (the job&apos;s $CI_JOB_TOKEN)
        </label>
      </fieldset>
    </form>
  );
}
