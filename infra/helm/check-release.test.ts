import { describe, expect, it } from "vitest";
import { releaseProblems, selects, type K8sObject } from "./check-release.ts";
import { secretRefs } from "./secret-refs.ts";

const labels = (component: string) => ({ "app.kubernetes.io/name": "mlflow-hub", "app.kubernetes.io/instance": "r", "app.kubernetes.io/component": component });
const peer = (component: string) => ({ podSelector: { matchLabels: labels(component) } });
const container = (name: string, port?: number) => ({
  name,
  ...(port ? { ports: [{ name: "http", containerPort: port }] } : {}),
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
});
const podSpec = (component: string, containers: object[], extra: object = {}) => ({
  serviceAccountName: `r-${component}`,
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
  containers,
  ...extra,
});
const object = (kind: string, name: string, rest: object): K8sObject => ({ apiVersion: "v1", kind, metadata: { name, labels: labels(name.replace(/^r-/, "")) }, ...rest }) as K8sObject;

/** The smallest release that keeps every promise: hub, MLflow, GC, their Services, policies and Ingress. */
function release(): K8sObject[] {
  const hubSpec = podSpec("hub", [{ ...container("hub", 3000), readinessProbe: { httpGet: { path: "/api/ready" } }, livenessProbe: { httpGet: { path: "/api/health" } }, lifecycle: { preStop: { sleep: { seconds: 15 } } } }], {
    terminationGracePeriodSeconds: 3600,
    initContainers: [container("migrate")],
  });
  const mlflowSpec = podSpec("mlflow", [container("mlflow", 5000)]);
  const deployment = (component: string, spec: object, replicas: number) =>
    object("Deployment", `r-${component}`, { spec: { replicas, selector: { matchLabels: labels(component) }, template: { metadata: { labels: labels(component) }, spec } } });
  const pods = (component: string, spec: object, n: number) => Array.from({ length: n }, (_, i) => ({ ...object("Pod", `r-${component}-${i}`, { spec }), metadata: { name: `r-${component}-${i}`, labels: labels(component) } }) as K8sObject);
  const route = (path: string) => ({ path, pathType: "Prefix", backend: { service: { name: "r-hub", port: { name: "http" } } } });
  return [
    ...["hub", "mlflow", "gc"].map((c) => ({ ...object("ServiceAccount", `r-${c}`, {}), automountServiceAccountToken: false })),
    deployment("hub", hubSpec, 2),
    ...pods("hub", hubSpec, 2),
    deployment("mlflow", mlflowSpec, 1),
    ...pods("mlflow", mlflowSpec, 1),
    object("CronJob", "r-gc", { spec: { concurrencyPolicy: "Forbid", jobTemplate: { spec: { template: { metadata: { labels: labels("gc") }, spec: podSpec("gc", [container("gc")]) } } } } }),
    object("Service", "r-hub", { spec: { selector: labels("hub"), ports: [{ name: "http", port: 3000, targetPort: "http" }] } }),
    object("Service", "r-mlflow", { spec: { selector: labels("mlflow"), ports: [{ name: "http", port: 5000, targetPort: "http" }] } }),
    object("NetworkPolicy", "r-hub", { spec: { podSelector: { matchLabels: labels("hub") }, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 3000 }] }] } }),
    object("NetworkPolicy", "r-mlflow", {
      spec: { podSelector: { matchLabels: labels("mlflow") }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [peer("hub"), peer("gc")] }], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 5432 }] }] },
    }),
    object("NetworkPolicy", "r-gc", { spec: { podSelector: { matchLabels: labels("gc") }, policyTypes: ["Ingress", "Egress"], egress: [{ to: [peer("mlflow")], ports: [{ port: 5000 }] }] } }),
    object("Ingress", "r-hub", { spec: { rules: [{ host: "h", http: { paths: [route("/mlflow/"), route("/")] } }] } }),
    {
      ...object("Ingress", "r-metrics-refused", { spec: { rules: [{ host: "h", http: { paths: [{ ...route("/metrics"), pathType: "Exact" }] } }] } }),
      metadata: { name: "r-metrics-refused", annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": "127.0.0.1/32" } },
    },
  ];
}
const find = (items: K8sObject[], kind: string, name: string) => items.find((o) => o.kind === kind && o.metadata.name === name)!;

const token = (optional = false) => ({ valueFrom: { secretKeyRef: { name: "s", key: "SERVING_TOKEN", ...(optional ? { optional } : {}) } } });
/** release() with the serving runtime as the chart runs it: root with its capabilities, reached by the hub alone, reaching the hub alone. */
function servingRelease(): K8sObject[] {
  const items = release();
  const servingSpec = {
    ...podSpec("serving", [
      {
        ...container("serving", 5002),
        env: [{ name: "SERVING_TOKEN", ...token() }],
        securityContext: {
          runAsNonRoot: false,
          runAsUser: 0,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "SETUID", "SETGID", "SETPCAP", "CHOWN", "DAC_OVERRIDE", "KILL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        readinessProbe: { httpGet: { path: "/health" } },
        livenessProbe: { httpGet: { path: "/health" } },
      },
    ]),
    securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } },
    volumes: [{ name: "data", emptyDir: {} }],
  };
  const hub = find(items, "Deployment", "r-hub").spec.template.spec;
  hub.containers[0].env = [{ name: "SERVING_URL", value: "http://r-serving:5002" }, { name: "SERVING_TOKEN", ...token() }];
  for (const pod of items.filter((o) => o.kind === "Pod" && o.metadata.name.startsWith("r-hub"))) pod.spec = hub;
  return [
    ...items,
    { ...object("ServiceAccount", "r-serving", {}), automountServiceAccountToken: false },
    object("Deployment", "r-serving", { spec: { replicas: 1, strategy: { type: "Recreate" }, selector: { matchLabels: labels("serving") }, template: { metadata: { labels: labels("serving") }, spec: servingSpec } } }),
    { ...object("Pod", "r-serving-0", { spec: servingSpec }), metadata: { name: "r-serving-0", labels: labels("serving") } } as K8sObject,
    object("Service", "r-serving", { spec: { selector: labels("serving"), ports: [{ name: "http", port: 5002, targetPort: "http" }] } }),
    object("NetworkPolicy", "r-serving", {
      spec: {
        podSelector: { matchLabels: labels("serving") },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [peer("hub")], ports: [{ port: 5002 }] }],
        egress: [
          { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
          { to: [peer("hub")], ports: [{ port: 3000 }] },
        ],
      },
    }),
  ];
}
const servingContainer = (items: K8sObject[]) => find(items, "Deployment", "r-serving").spec.template.spec.containers[0];

describe("check-release", () => {
  it("finds nothing wrong with a release that keeps the chart's promises", () => {
    expect(releaseProblems(release())).toEqual([]);
  });

  it("names a container without a memory limit", () => {
    const items = release();
    delete find(items, "Deployment", "r-mlflow").spec.template.spec.containers[0].resources.limits.memory;
    expect(releaseProblems(items)).toContain("Deployment/r-mlflow container mlflow: no memory in resources.limits");
  });

  it("names an init container that may run as root or write its root filesystem", () => {
    const items = release();
    const migrate = find(items, "Deployment", "r-hub").spec.template.spec.initContainers[0];
    migrate.securityContext = { ...migrate.securityContext, runAsNonRoot: false, readOnlyRootFilesystem: false };
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["Deployment/r-hub container migrate: runAsNonRoot is not true", "Deployment/r-hub container migrate: root filesystem is writable"]));
  });

  it("names a NetworkPolicy that lets any pod reach MLflow", () => {
    const items = release();
    find(items, "NetworkPolicy", "r-mlflow").spec.ingress = [{ ports: [{ port: 5000 }] }];
    expect(releaseProblems(items)).toContain("NetworkPolicy/r-mlflow: lets anyone reach mlflow");
  });

  it("names a peer that lets every pod of the namespace reach MLflow, and one that selects nothing", () => {
    const items = release();
    find(items, "NetworkPolicy", "r-mlflow").spec.ingress[0].from.push({ podSelector: {} }, peer("gone"));
    const problems = releaseProblems(items);
    expect(problems).toEqual(expect.arrayContaining(["NetworkPolicy/r-mlflow: lets mlflow reach mlflow", "NetworkPolicy/r-mlflow: a peer of mlflow selects no pods"]));
    expect(problems.some((p) => /lets (hub|gc) reach/.test(p))).toBe(false);
  });

  it("names a peer from another namespace or address range", () => {
    const items = release();
    find(items, "NetworkPolicy", "r-mlflow").spec.ingress[0].from.push({ namespaceSelector: {} });
    expect(releaseProblems(items)).toContain('NetworkPolicy/r-mlflow: lets {"namespaceSelector":{}} reach mlflow');
  });

  it("names a release without NetworkPolicies", () => {
    const items = release().filter((o) => o.kind !== "NetworkPolicy");
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["no NetworkPolicy selects the mlflow pods", "no NetworkPolicy selects the hub pods"]));
  });

  it("names a Deployment whose pods the controllers never created", () => {
    const items = release().filter((o) => !(o.kind === "Pod" && o.metadata.name.startsWith("r-mlflow")));
    expect(releaseProblems(items)).toContain("Deployment/r-mlflow: 0 pods created, 1 wanted");
  });

  it("counts a Deployment's pods on its newest ReplicaSet, so an upgrade stuck at its surge pod passes and an empty one does not", () => {
    const items = release().filter((o) => !(o.kind === "Pod" && o.metadata.name.startsWith("r-mlflow")));
    const rs = (name: string, revision: string, replicas: number) =>
      ({ ...object("ReplicaSet", name, { spec: { replicas } }), metadata: { name, annotations: { "deployment.kubernetes.io/revision": revision }, ownerReferences: [{ kind: "Deployment", name: "r-mlflow" }] } }) as K8sObject;
    const pod = (name: string, owner: string) => ({ ...object("Pod", name, { spec: find(items, "Deployment", "r-mlflow").spec.template.spec }), metadata: { name, labels: labels("mlflow"), ownerReferences: [{ kind: "ReplicaSet", name: owner }] } }) as K8sObject;
    const upgraded = [...items, rs("r-mlflow-1", "1", 1), pod("r-mlflow-1-a", "r-mlflow-1"), rs("r-mlflow-2", "2", 1), pod("r-mlflow-2-a", "r-mlflow-2")];
    expect(releaseProblems(upgraded)).toEqual([]);
    const refused = [...items, rs("r-mlflow-1", "1", 1), pod("r-mlflow-1-a", "r-mlflow-1"), rs("r-mlflow-2", "2", 1)];
    expect(releaseProblems(refused)).toContain("Deployment/r-mlflow: 0 pods created, 1 wanted");
  });

  it("names a Service that selects no pods, and a selector that misses its own template", () => {
    const items = release();
    find(items, "Service", "r-mlflow").spec.selector = { ...labels("mlflow"), "app.kubernetes.io/component": "mlfow" };
    find(items, "Deployment", "r-hub").spec.selector.matchLabels["app.kubernetes.io/instance"] = "other";
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["Service/r-mlflow: selects no pods, not one component", "Deployment/r-hub: selector does not match its pod template's labels"]));
  });

  it("names an Ingress that does not route the tracking URIs to the hub, or lets /metrics out", () => {
    const items = release();
    find(items, "Ingress", "r-hub").spec.rules[0].http.paths[0].backend.service.name = "r-mlflow";
    find(items, "Ingress", "r-metrics-refused").metadata.annotations = {};
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["Ingress/r-hub: /mlflow/ goes to r-mlflow, not the hub's Service", "Ingress/r-metrics-refused: /metrics route carries no refusing annotation"]));
  });

  it("names a GC that may run twice at once, and a hub without a migration step or graceful shutdown", () => {
    const items = release();
    find(items, "CronJob", "r-gc").spec.concurrencyPolicy = "Allow";
    const hub = find(items, "Deployment", "r-hub").spec.template.spec;
    hub.initContainers = [];
    hub.terminationGracePeriodSeconds = 30;
    expect(releaseProblems(items)).toEqual(
      expect.arrayContaining(["CronJob/r-gc: concurrencyPolicy is Allow, not Forbid", "hub: no migrate init container", "hub: terminationGracePeriodSeconds 30 leaves uploads no time to finish"]),
    );
  });

  it("names two components that share a ServiceAccount, and one that mounts a token", () => {
    const items = release();
    find(items, "Deployment", "r-mlflow").spec.template.spec.serviceAccountName = "r-hub";
    find(items, "ServiceAccount", "r-gc").automountServiceAccountToken = true;
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["Deployment/r-mlflow: shares ServiceAccount r-hub with component hub", "ServiceAccount/r-gc: automountServiceAccountToken is not false"]));
  });
});

describe("check-release with model serving", () => {
  it("accepts the serving runtime as the one root container, exactly as documented", () => {
    expect(releaseProblems(servingRelease())).toEqual([]);
  });

  it("still refuses root, and any capability, to every other container, even one named serving", () => {
    const items = servingRelease();
    const mlflow = find(items, "Deployment", "r-mlflow").spec.template.spec.containers[0];
    mlflow.name = "serving";
    mlflow.securityContext = { ...servingContainer(items).securityContext };
    const problems = releaseProblems(items);
    expect(problems).toEqual(expect.arrayContaining(["Deployment/r-mlflow container serving: runAsNonRoot is not true", "Deployment/r-mlflow container serving: runs as uid 0", "Deployment/r-mlflow container serving: adds capabilities SYS_ADMIN,SETUID,SETGID,SETPCAP,CHOWN,DAC_OVERRIDE,KILL"]));
    expect(problems.some((p) => p.includes("r-serving"))).toBe(false);
  });

  it("refuses a second container in the serving pod that runs as root", () => {
    const items = servingRelease();
    const spec = find(items, "Deployment", "r-serving").spec.template.spec;
    spec.containers.push({ ...servingContainer(items), name: "sidecar" });
    expect(releaseProblems(items)).toEqual(expect.arrayContaining(["Deployment/r-serving container sidecar: runAsNonRoot is not true", "Deployment/r-serving: containers besides serving"]));
  });

  it("names a capability more or less than documented, privilege escalation, a writable root filesystem or seccomp off", () => {
    for (const [change, problem] of [
      [(sc: any) => sc.capabilities.add.push("NET_ADMIN"), "adds capabilities CHOWN,DAC_OVERRIDE,KILL,NET_ADMIN,SETGID,SETPCAP,SETUID,SYS_ADMIN, not exactly"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => sc.capabilities.add.splice(sc.capabilities.add.indexOf("SETPCAP"), 1), "adds capabilities CHOWN,DAC_OVERRIDE,KILL,SETGID,SETUID,SYS_ADMIN, not exactly"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => (sc.capabilities.drop = ["NET_RAW"]), 'drops ["NET_RAW"], not exactly ALL'], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => (sc.privileged = true), "privileged"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => delete sc.allowPrivilegeEscalation, "allowPrivilegeEscalation is not false"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => (sc.readOnlyRootFilesystem = false), "root filesystem is writable"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
      [(sc: any) => (sc.seccompProfile = { type: "Unconfined" }), "seccomp profile is not RuntimeDefault"], // eslint-disable-line @typescript-eslint/no-explicit-any -- a SecurityContext
    ] as const) {
      const items = servingRelease();
      change(servingContainer(items).securityContext);
      expect(releaseProblems(items).join("\n"), problem).toContain(`Deployment/r-serving container serving: ${problem}`);
    }
  });

  it("names a serving runtime that MLflow admits, that reaches MLflow or the world, or that the hub cannot reach", () => {
    const items = servingRelease();
    find(items, "NetworkPolicy", "r-mlflow").spec.ingress[0].from.push(peer("serving"));
    const egress = find(items, "NetworkPolicy", "r-serving").spec.egress;
    egress.push({ to: [peer("mlflow")], ports: [{ port: 5000 }] }, { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] });
    find(items, "NetworkPolicy", "r-serving").spec.ingress[0].from.push(peer("gc"));
    find(items, "NetworkPolicy", "r-hub").spec.ingress[0].from = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }];
    expect(releaseProblems(items)).toEqual(
      expect.arrayContaining([
        "NetworkPolicy/r-mlflow: lets serving reach mlflow",
        "NetworkPolicy/r-serving: lets gc reach serving",
        `NetworkPolicy/r-serving: lets serving reach ${JSON.stringify(peer("mlflow"))}, not only the hub`,
        "NetworkPolicy/r-serving: lets serving reach port 5000, which the hub does not serve",
        'NetworkPolicy/r-serving: lets serving reach {"ipBlock":{"cidr":"0.0.0.0/0"}}, not only the hub',
        "hub: its NetworkPolicy keeps the serving runtime out (it downloads models through the gateway)",
      ]),
    );
  });

  it("names a hub pointed elsewhere or with another token, and a hub with SERVING_URL but no runtime", () => {
    const items = servingRelease();
    const env = find(items, "Deployment", "r-hub").spec.template.spec.containers[0].env;
    env[0].value = "http://serving.example.com:5002";
    env[1] = { name: "SERVING_TOKEN", valueFrom: { secretKeyRef: { name: "other", key: "SERVING_TOKEN" } } };
    const problems = releaseProblems(items);
    expect(problems).toContain("hub: SERVING_URL is http://serving.example.com:5002, not http://r-serving:5002");
    expect(problems.some((p) => p.startsWith("hub and serving do not both read SERVING_TOKEN"))).toBe(true);
    const without = servingRelease().filter((o) => !o.metadata.name.startsWith("r-serving"));
    expect(releaseProblems(without)).toEqual(["hub: SERVING_URL is set, but the release runs no serving runtime"]);
  });

  it("names more than one replica, a rolling update, a persistent volume and missing probes", () => {
    const items = servingRelease();
    const d = find(items, "Deployment", "r-serving");
    d.spec.replicas = 2;
    d.spec.strategy = { type: "RollingUpdate" };
    d.spec.template.spec.volumes.push({ name: "models", persistentVolumeClaim: { claimName: "x" } });
    delete d.spec.template.spec.containers[0].livenessProbe;
    expect(releaseProblems(items)).toEqual(
      expect.arrayContaining(["Deployment/r-serving: 2 replicas, strategy RollingUpdate: endpoints live in one runtime (1 replica, Recreate)", "serving: volume models is not an emptyDir", "serving: livenessProbe is not GET /health"]),
    );
  });
});

describe("label selectors", () => {
  it("match as Kubernetes matches them", () => {
    const l = { a: "1", b: "2" };
    expect(selects({ matchLabels: { a: "1" } }, l)).toBe(true);
    expect(selects({ matchLabels: { a: "2" } }, l)).toBe(false);
    expect(selects({ matchExpressions: [{ key: "b", operator: "In", values: ["2", "3"] }] }, l)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "b", operator: "NotIn", values: ["2"] }] }, l)).toBe(false);
    expect(selects({ matchExpressions: [{ key: "c", operator: "DoesNotExist" }] }, l)).toBe(true);
    expect(selects({}, l)).toBe(true);
    expect(selects(undefined, l)).toBe(false);
  });
});

describe("secretRefs", () => {
  it("lists every Secret key a release reads, once", () => {
    const manifests = [
      "kind: Deployment\nspec: {template: {spec: {containers: [{env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: K1}}}, {name: B, valueFrom: {secretKeyRef: {name: s, key: K1}}}]}]}}}",
      "kind: CronJob\nspec: {x: [{valueFrom: {secretKeyRef: {name: t, key: K2, optional: true}}}]}",
    ].join("\n---\n");
    expect(secretRefs(manifests)).toEqual(["s K1", "t K2"]);
  });
});
