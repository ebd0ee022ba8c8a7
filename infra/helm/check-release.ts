// What the API server stored for one release of the chart, checked against what the
// chart promises (README, "Run it on Kubernetes"): selectors that select, pods that
// the controllers could create, every container limited and unprivileged, one
// tokenless ServiceAccount per component, NetworkPolicies that let only the right
// components reach MLflow, Postgres and MinIO, and an Ingress that routes the
// tracking URIs and the dashboard to the hub; with model serving, one runtime that
// is the one root container, exactly as values.yaml documents it, which only the hub
// reaches and which reaches only the hub. scripts/test-helm runs it on
// `kubectl get … -o json` after each install and upgrade.
//
// Usage: npx tsx infra/helm/check-release.ts <objects.json>   (exit 1 on any problem)
import fs from "node:fs";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- every kind has its own spec
  automountServiceAccountToken?: boolean;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

const COMPONENT = "app.kubernetes.io/component";

/** Who may open connections to a component's pods; "anyone" for the hub (the Ingress controller, maybe narrowed). */
const ALLOWED_SOURCES: Record<string, string[]> = {
  mlflow: ["hub", "gc", "ops"],
  postgres: ["hub", "mlflow", "gc", "ops"],
  minio: ["hub", "mlflow", "ops"],
  gc: [],
  ops: [],
  serving: ["hub"],
};
/** Components whose egress must be closed to everything but what they use. */
const EGRESS_RESTRICTED = ["mlflow", "gc", "postgres", "minio", "serving"];

/**
 * The chart's one exception to non-root (values.yaml, serving): the serving runtime's
 * container, by component and name, runs as uid 0 with exactly these capabilities, each
 * one there for setpriv, unshare or the supervisor's own work on the endpoints' files.
 */
export const SERVING_COMPONENT = "serving";
export const SERVING_CONTAINER = "serving";
export const SERVING_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "KILL", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN"];

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === "In" && !inValues) return false;
    if (e.operator === "NotIn" && inValues) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

interface PodTemplate {
  owner: string;
  component: string;
  labels: Record<string, string>;
  spec: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a PodSpec
}

const describe = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

function podTemplates(items: K8sObject[]): PodTemplate[] {
  return items.flatMap((o) => {
    const template = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : ["Deployment", "StatefulSet"].includes(o.kind) ? o.spec?.template : undefined;
    if (!template) return [];
    const labels = template.metadata?.labels ?? {};
    return [{ owner: describe(o), component: labels[COMPONENT] ?? "", labels, spec: template.spec }];
  });
}

/** What differs from the serving container's documented security context. */
function servingContainerProblems(at: string, sc: any, pod: any): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any -- SecurityContext, PodSecurityContext
  const problems: string[] = [];
  if ((sc.runAsUser ?? pod.runAsUser) !== 0) problems.push(`${at}: the serving runtime does not run as uid 0 (it cannot drop endpoints to their own uids)`);
  if (sc.privileged) problems.push(`${at}: privileged`);
  if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
  if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
  const drop = sc.capabilities?.drop ?? [];
  if (drop.length !== 1 || drop[0] !== "ALL") problems.push(`${at}: drops ${JSON.stringify(drop)}, not exactly ALL`);
  const add = [...(sc.capabilities?.add ?? [])].sort();
  if (JSON.stringify(add) !== JSON.stringify(SERVING_CAPABILITIES)) problems.push(`${at}: adds capabilities ${add.join(",") || "none"}, not exactly ${SERVING_CAPABILITIES.join(",")}`);
  if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== "RuntimeDefault") problems.push(`${at}: seccomp profile is not RuntimeDefault`);
  if (sc.procMount && sc.procMount !== "Default") problems.push(`${at}: procMount ${sc.procMount}`);
  return problems;
}

function containerProblems(where: string, spec: any, component = ""): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any -- a PodSpec
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.automountServiceAccountToken !== false) problems.push(`${where}: mounts a service account token`);
  if (!spec.serviceAccountName || spec.serviceAccountName === "default") problems.push(`${where}: runs as the namespace's default ServiceAccount`);
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${where}: shares a host namespace`);
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (containers.length === 0) problems.push(`${where}: no containers`);
  for (const c of containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) if (!c.resources?.[kind]?.[resource]) problems.push(`${at}: no ${resource} in resources.${kind}`);
    }
    if (component === SERVING_COMPONENT && c.name === SERVING_CONTAINER && (spec.containers ?? []).includes(c)) {
      problems.push(...servingContainerProblems(at, sc, pod));
      continue;
    }
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${at}: does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).length) problems.push(`${at}: adds capabilities ${sc.capabilities.add.join(",")}`);
    if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== "RuntimeDefault") problems.push(`${at}: seccomp profile is not RuntimeDefault`);
  }
  return problems;
}

/** Every problem found in one release's objects; empty when the release keeps the chart's promises. */
export function releaseProblems(items: K8sObject[]): string[] {
  const problems: string[] = [];
  const of = (kind: string) => items.filter((o) => o.kind === kind);
  const templates = podTemplates(items);
  const pods = of("Pod");
  const components = [...new Set(templates.map((t) => t.component))];
  for (const t of templates) if (!t.component) problems.push(`${t.owner}: its pods carry no ${COMPONENT} label`);
  for (const name of ["hub", "mlflow", "gc"]) if (!components.includes(name)) problems.push(`no ${name} workload`);

  // Workloads: the selector selects the template, and the controllers created the pods
  // (the namespace enforces the "restricted" Pod Security Standard, so a pod that breaks it is never created).
  const revision = (rs: K8sObject) => Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
  for (const o of [...of("Deployment"), ...of("StatefulSet")]) {
    const labels = o.spec?.template?.metadata?.labels;
    if (!selects(o.spec?.selector, labels)) problems.push(`${describe(o)}: selector does not match its pod template's labels`);
    // A Deployment's pods are its newest ReplicaSet's (during a rollout that cannot finish
    // without a node, the surge pod); without a ReplicaSet, whatever its selector selects.
    const newest = of("ReplicaSet")
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.kind === o.kind && r.name === o.metadata.name))
      .sort((a, b) => revision(b) - revision(a))[0];
    const own = newest
      ? pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === "ReplicaSet" && r.name === newest.metadata.name))
      : pods.filter((p) => selects(o.spec?.selector, p.metadata.labels));
    const wanted = newest ? newest.spec?.replicas : (o.spec?.replicas ?? 1);
    if (own.length !== wanted || wanted < 1) problems.push(`${describe(o)}: ${own.length} pods created, ${wanted} wanted`);
  }
  for (const cj of of("CronJob")) {
    if (cj.spec?.concurrencyPolicy !== "Forbid") problems.push(`${describe(cj)}: concurrencyPolicy is ${cj.spec?.concurrencyPolicy}, not Forbid`);
  }

  // Containers and service accounts.
  for (const t of templates) problems.push(...containerProblems(t.owner, t.spec, t.component));
  for (const p of pods) problems.push(...containerProblems(describe(p), p.spec, p.metadata.labels?.[COMPONENT]));
  const accounts = new Map(of("ServiceAccount").map((sa) => [sa.metadata.name, sa]));
  const accountOf = new Map<string, string>();
  for (const t of templates) {
    const name = t.spec.serviceAccountName;
    const sa = accounts.get(name);
    if (!sa) problems.push(`${t.owner}: ServiceAccount ${name} does not exist`);
    else if (sa.automountServiceAccountToken !== false) problems.push(`ServiceAccount/${name}: automountServiceAccountToken is not false`);
    const other = [...accountOf].find(([component, account]) => account === name && component !== t.component);
    if (other) problems.push(`${t.owner}: shares ServiceAccount ${name} with component ${other[0]}`);
    accountOf.set(t.component, name);
  }

  // Services select the pods of one component and name ports they have.
  const services = of("Service");
  for (const s of services) {
    const selected = templates.filter((t) => selects({ matchLabels: s.spec?.selector }, t.labels));
    const selectedComponents = [...new Set(selected.map((t) => t.component))];
    if (!s.spec?.selector || selectedComponents.length !== 1) {
      problems.push(`${describe(s)}: selects ${selectedComponents.length ? selectedComponents.join(", ") : "no pods"}, not one component`);
      continue;
    }
    for (const port of s.spec.ports ?? []) {
      const named = selected.every((t) => t.spec.containers.some((c: any) => (c.ports ?? []).some((cp: any) => cp.name === port.targetPort || cp.containerPort === port.targetPort))); // eslint-disable-line @typescript-eslint/no-explicit-any -- Container, ContainerPort
      if (!named) problems.push(`${describe(s)}: port ${port.name} targets ${port.targetPort}, which the pods do not expose`);
    }
  }
  const serviceOf = (component: string) => services.find((s) => templates.some((t) => t.component === component && selects({ matchLabels: s.spec?.selector }, t.labels)));

  // NetworkPolicies: every component's pods are selected by one; the protected ones
  // accept only their allowed sources and reach out only where rules say.
  const policies = of("NetworkPolicy");
  for (const np of policies) {
    if (!templates.some((t) => selects(np.spec?.podSelector, t.labels))) problems.push(`${describe(np)}: selects no pods of the release`);
  }
  for (const component of components) {
    const own = templates.filter((t) => t.component === component);
    const applying = policies.filter((np) => own.every((t) => selects(np.spec?.podSelector, t.labels)));
    if (applying.length === 0) {
      problems.push(`no NetworkPolicy selects the ${component} pods`);
      continue;
    }
    const allowed = ALLOWED_SOURCES[component];
    if (allowed) {
      const ingressPolicies = applying.filter((np) => (np.spec.policyTypes ?? ["Ingress"]).includes("Ingress"));
      if (ingressPolicies.length === 0) problems.push(`${component}: no NetworkPolicy restricts its ingress`);
      for (const np of ingressPolicies) {
        for (const rule of np.spec.ingress ?? []) {
          if (!rule.from?.length) {
            problems.push(`${describe(np)}: lets anyone reach ${component}`);
            continue;
          }
          for (const peer of rule.from) {
            if (peer.ipBlock || peer.namespaceSelector) {
              problems.push(`${describe(np)}: lets ${JSON.stringify(peer)} reach ${component}`);
              continue;
            }
            const reached = [...new Set(templates.filter((t) => selects(peer.podSelector, t.labels)).map((t) => t.component))];
            for (const source of reached) if (!allowed.includes(source)) problems.push(`${describe(np)}: lets ${source} reach ${component}`);
            if (reached.length === 0) problems.push(`${describe(np)}: a peer of ${component} selects no pods`);
          }
        }
      }
    }
    if (EGRESS_RESTRICTED.includes(component)) {
      const egressPolicies = applying.filter((np) => (np.spec.policyTypes ?? []).includes("Egress"));
      if (egressPolicies.length === 0) problems.push(`${component}: no NetworkPolicy restricts its egress`);
      for (const np of egressPolicies) for (const rule of np.spec.egress ?? []) if (!rule.to?.length || !rule.ports?.length) problems.push(`${describe(np)}: lets ${component} reach anywhere`);
    }
  }

  // The Ingress sends the tracking URIs and the dashboard to the hub, and keeps /metrics from outside.
  const hubService = serviceOf("hub");
  const ingresses = of("Ingress");
  const routes = ingresses.flatMap((i) => (i.spec?.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => ({ ingress: i, host: r.host, ...p })))); // eslint-disable-line @typescript-eslint/no-explicit-any -- IngressRule, HTTPIngressPath
  if (ingresses.length) {
    for (const [path, what] of [["/mlflow/", "the tracking URIs"], ["/", "the dashboard"]]) {
      const route = routes.find((r) => r.path === path && r.pathType === "Prefix");
      if (!route) problems.push(`no Ingress routes ${path} (${what})`);
      else if (route.backend?.service?.name !== hubService?.metadata.name) problems.push(`${describe(route.ingress)}: ${path} goes to ${route.backend?.service?.name}, not the hub's Service`);
      else if (!(hubService?.spec.ports ?? []).some((p: any) => p.name === route.backend.service.port?.name || p.port === route.backend.service.port?.number)) problems.push(`${describe(route.ingress)}: ${path} names a port the hub's Service does not have`); // eslint-disable-line @typescript-eslint/no-explicit-any -- ServicePort
    }
    const metrics = routes.find((r) => r.path === "/metrics" && r.pathType === "Exact");
    if (!metrics) problems.push("no Ingress refuses /metrics");
    else if (!Object.keys(metrics.ingress.metadata.annotations ?? {}).some((a) => /whitelist-source-range|allowlist-source-range|router\.middlewares/.test(a))) problems.push(`${describe(metrics.ingress)}: /metrics route carries no refusing annotation`);
  }

  // The hub: probes, graceful shutdown, migrations before it starts; disruption budgets and the autoscaler aim at real workloads.
  const hub = templates.find((t) => t.component === "hub");
  if (hub) {
    const c = hub.spec.containers.find((x: any) => x.name === "hub"); // eslint-disable-line @typescript-eslint/no-explicit-any -- Container
    if (c?.readinessProbe?.httpGet?.path !== "/api/ready") problems.push("hub: readiness is not /api/ready");
    if (c?.livenessProbe?.httpGet?.path !== "/api/health") problems.push("hub: liveness is not /api/health");
    if (!(c?.lifecycle?.preStop?.sleep?.seconds > 0)) problems.push("hub: no preStop sleep to let endpoints drain");
    if (!(hub.spec.terminationGracePeriodSeconds >= 600)) problems.push(`hub: terminationGracePeriodSeconds ${hub.spec.terminationGracePeriodSeconds} leaves uploads no time to finish`);
    if (!(hub.spec.initContainers ?? []).some((x: any) => x.name === "migrate")) problems.push("hub: no migrate init container"); // eslint-disable-line @typescript-eslint/no-explicit-any -- Container
  }
  problems.push(...servingProblems(items, templates, policies, serviceOf));
  for (const pdb of of("PodDisruptionBudget")) {
    if (!templates.some((t) => selects(pdb.spec?.selector, t.labels))) problems.push(`${describe(pdb)}: selects no pods`);
  }
  for (const hpa of of("HorizontalPodAutoscaler")) {
    const target = hpa.spec?.scaleTargetRef;
    if (!items.some((o) => o.kind === target?.kind && o.metadata.name === target?.name)) problems.push(`${describe(hpa)}: scales ${target?.kind}/${target?.name}, which does not exist`);
  }
  return problems;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Containers, EnvVars, NetworkPolicy rules */
/** Model serving: one runtime, probed, only with emptyDirs; the hub pointed at it; reached by the hub alone and reaching the hub alone. */
function servingProblems(items: K8sObject[], templates: PodTemplate[], policies: K8sObject[], serviceOf: (component: string) => K8sObject | undefined): string[] {
  const problems: string[] = [];
  const hub = templates.find((t) => t.component === "hub");
  const hubEnv = (name: string) => (hub?.spec.containers.find((c: any) => c.name === "hub")?.env ?? []).find((e: any) => e.name === name);
  const serving = templates.filter((t) => t.component === SERVING_COMPONENT);
  if (serving.length === 0) {
    if (hubEnv("SERVING_URL")?.value || hubEnv("SERVING_URL")?.valueFrom) problems.push("hub: SERVING_URL is set, but the release runs no serving runtime");
    return problems;
  }
  if (serving.length > 1) problems.push(`${serving.length} serving workloads: endpoints live in one runtime`);
  const s = serving[0];
  const container = s.spec.containers.find((c: any) => c.name === SERVING_CONTAINER);
  if (!container) return [...problems, `${s.owner}: no container named ${SERVING_CONTAINER}`];
  if (s.spec.containers.length !== 1 || (s.spec.initContainers ?? []).length) problems.push(`${s.owner}: containers besides ${SERVING_CONTAINER}`);
  for (const probe of ["readinessProbe", "livenessProbe"]) if (container[probe]?.httpGet?.path !== "/health") problems.push(`serving: ${probe} is not GET /health`);
  for (const v of s.spec.volumes ?? []) if (!v.emptyDir) problems.push(`serving: volume ${v.name} is not an emptyDir`);
  const deployment = items.find((o) => `${o.kind}/${o.metadata.name}` === s.owner);
  if (deployment?.kind !== "Deployment") problems.push(`${s.owner}: the serving runtime is not a Deployment`);
  else if (deployment.spec?.replicas !== 1 || deployment.spec?.strategy?.type !== "Recreate") problems.push(`${s.owner}: ${deployment.spec?.replicas} replicas, strategy ${deployment.spec?.strategy?.type}: endpoints live in one runtime (1 replica, Recreate)`);

  // The hub calls the runtime's Service with the runtime's own token.
  const service = serviceOf(SERVING_COMPONENT);
  const port = service?.spec.ports?.[0];
  const url = hubEnv("SERVING_URL")?.value;
  if (!service || !port) problems.push("serving: no Service selects the serving runtime");
  else if (url !== `http://${service.metadata.name}:${port.port}`) problems.push(`hub: SERVING_URL is ${url ?? "unset"}, not http://${service.metadata.name}:${port.port}`);
  const tokenRef = (env: any) => env?.valueFrom?.secretKeyRef;
  const servingToken = tokenRef((container.env ?? []).find((e: any) => e.name === "SERVING_TOKEN"));
  const hubToken = tokenRef(hubEnv("SERVING_TOKEN"));
  if (!servingToken || !hubToken || servingToken.name !== hubToken.name || servingToken.key !== hubToken.key || servingToken.optional || hubToken.optional)
    problems.push(`hub and serving do not both read SERVING_TOKEN from the same Secret key (${JSON.stringify(hubToken)} vs ${JSON.stringify(servingToken)})`);

  // Its egress: the hub's pods on the hub's port, and DNS (port 53 only).
  const hubPorts = (hub?.spec.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
  const applying = (component: string) => {
    const own = templates.filter((t) => t.component === component);
    return policies.filter((np) => own.every((t) => selects(np.spec?.podSelector, t.labels)));
  };
  for (const np of applying(SERVING_COMPONENT).filter((x) => (x.spec.policyTypes ?? []).includes("Egress"))) {
    for (const rule of np.spec.egress ?? []) {
      const ports = (rule.ports ?? []).map((p: any) => p.port);
      if (ports.length && ports.every((p: any) => p === 53)) continue;
      for (const peer of rule.to ?? []) {
        const reached = [...new Set(templates.filter((t) => !peer.ipBlock && !peer.namespaceSelector && selects(peer.podSelector, t.labels)).map((t) => t.component))];
        if (peer.ipBlock || peer.namespaceSelector || reached.length !== 1 || reached[0] !== "hub") problems.push(`NetworkPolicy/${np.metadata.name}: lets serving reach ${JSON.stringify(peer)}, not only the hub`);
      }
      for (const p of ports) if (!hubPorts.includes(p)) problems.push(`NetworkPolicy/${np.metadata.name}: lets serving reach port ${p}, which the hub does not serve`);
    }
  }
  // The hub's ingress admits it (models are downloaded through the gateway).
  const admits = applying("hub")
    .filter((np) => (np.spec.policyTypes ?? ["Ingress"]).includes("Ingress"))
    .every((np) => (np.spec.ingress ?? []).some((rule: any) => (!rule.from?.length || rule.from.some((peer: any) => !peer.namespaceSelector && !peer.ipBlock && selects(peer.podSelector, s.labels))) && (!rule.ports?.length || rule.ports.some((p: any) => hubPorts.includes(p.port)))));
  if (!admits) problems.push("hub: its NetworkPolicy keeps the serving runtime out (it downloads models through the gateway)");
  return problems;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

if (process.argv[1] && import.meta.filename === fs.realpathSync(process.argv[1])) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: check-release.ts <objects.json>");
    process.exit(2);
  }
  const items = (JSON.parse(fs.readFileSync(file, "utf8")) as { items: K8sObject[] }).items;
  const problems = releaseProblems(items);
  if (problems.length) {
    for (const p of problems) console.error(`check-release: ${p}`);
    process.exit(1);
  }
  const count = (kind: string) => items.filter((o) => o.kind === kind).length;
  console.log(`check-release: ${items.length} objects, ${count("Pod")} pods, ${count("NetworkPolicy")} NetworkPolicies: as the chart promises`);
}
