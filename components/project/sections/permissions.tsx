import { PermissionsView } from "@/components/permissions/permissions-view";
import { permissionMatrix } from "@/components/permissions/matrix";
import { config } from "@/lib/config";

/**
 * Server side: the instance's settings and the matrix from the gateway's own
 * table and decide(), for each visibility (the page picks its project's; the
 * layout has resolved which project that is).
 */
export function PermissionsSection(_: { rest: string[] }) {
  const c = config();
  const floor = c.DELETE_MIN_ACCESS_LEVEL;
  return (
    <PermissionsView
      settings={{ deleteFloor: floor, mandatoryTopics: c.MANDATORY_TOPICS, cacheSeconds: c.PROJECT_CACHE_TIMEOUT }}
      matrices={{ private: permissionMatrix("private", floor), internal: permissionMatrix("internal", floor), public: permissionMatrix("public", floor) }}
    />
  );
}
