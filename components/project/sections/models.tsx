"use client";

import { ModelDetail } from "@/components/models/model-detail";
import { ModelList } from "@/components/models/model-list";
import { EndpointsPanel } from "@/components/serving/endpoints-panel";

/** /models lists the project's registered models and its model endpoints; /models/<name> shows one model. */
export function ModelsSection({ rest }: { rest: string[] }) {
  return rest.length === 0 ? (
    <>
      <ModelList />
      <EndpointsPanel />
    </>
  ) : (
    <ModelDetail name={rest.join("/")} />
  );
}
