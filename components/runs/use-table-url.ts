"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { queryFromState, stateFromQuery, type RunsTableState } from "@/lib/dashboard/runs-table";

/**
 * The runs table's state lives in the page's query string, so a view can be
 * linked and survives a reload. A change shows at once; the URL follows a
 * moment later (router.replace is asynchronous) and then becomes the truth
 * again, back/forward included.
 */
export function useTableUrl(): [RunsTableState, (next: RunsTableState) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const key = params.toString();
  const fromUrl = useMemo(() => stateFromQuery(new URLSearchParams(key)), [key]);
  const [optimistic, setOptimistic] = useState<RunsTableState | null>(null);
  useEffect(() => setOptimistic(null), [key]);
  const set = useCallback(
    (next: RunsTableState) => {
      setOptimistic(next);
      const q = queryFromState(next).toString();
      router.replace(q ? `${pathname}?${q}` : pathname, { scroll: false });
    },
    [pathname, router],
  );
  return [optimistic ?? fromUrl, set];
}
