"use client";

import { ModelDetail } from "@/components/models/model-detail";
import { ModelList } from "@/components/models/model-list";

/** /models lists the project's registered models; /models/<name> shows one. */
export function ModelsSection({ rest }: { rest: string[] }) {
  return rest.length === 0 ? <ModelList /> : <ModelDetail name={rest.join("/")} />;
}
