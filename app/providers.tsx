"use client";

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { signInPath } from "@/lib/auth/sign-in-path";
import { MlflowApiError } from "@/lib/mlflow-api/client";

/**
 * The gateway answers 401 once GitLab no longer accepts this browser's token, and has ended
 * its hub session by then: the page goes to sign in, as a reload would, rather than show the
 * refusal in every panel.
 */
function signInAgainOn401(error: Error) {
  if (error instanceof MlflowApiError && error.status === 401) window.location.assign(signInPath(`${window.location.pathname}${window.location.search}`, true));
}

/** Client data through react-query: a refusal (4xx) is an answer, not a blip to retry. */
export function Providers({ children }: { children: React.ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError: signInAgainOn401 }),
        mutationCache: new MutationCache({ onError: signInAgainOn401 }),
        defaultOptions: {
          queries: {
            staleTime: 15_000,
            refetchOnWindowFocus: false,
            retry: (failures, error) => !(error instanceof MlflowApiError && error.status < 500) && failures < 2,
          },
        },
      }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
