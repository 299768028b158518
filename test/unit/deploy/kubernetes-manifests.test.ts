import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { DestinationRule, Gateway, VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1";
import { parseConfigText } from "../../../src/config/load-config.js";

const DIR = fileURLToPath(new URL("../../../../deploy/kubernetes/", import.meta.url));

/** The models (with the Kubernetes / Istio JSON schemas they ship) for every kind we deploy. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.istio.io/v1/Gateway": Gateway,
  "networking.istio.io/v1/VirtualService": VirtualService,
  "networking.istio.io/v1/DestinationRule": DestinationRule,
  "security.istio.io/v1/PeerAuthentication": PeerAuthentication,
};

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
}

const manifests: Array<{ file: string; doc: Manifest }> = readdirSync(DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(DIR + file, "utf8")).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return { file, doc: document.toJS() as Manifest };
    }),
  );
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.doc.kind === kind && m.doc.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/kubernetes/`);
  return found.doc;
};

for (const { file, doc } of manifests) {
  test(`deploy/kubernetes: ${file} ${doc.kind} ${doc.metadata.name} is valid against its schema`, (t) => {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    if (Model === undefined) return t.fail(`no schema for ${doc.apiVersion} ${doc.kind}`);
    t.notThrows(() => new Model(doc as never).validate());
  });
}

test("deploy/kubernetes: the schemas catch a wrong type (the check can fail)", (t) => {
  const deployment = structuredClone(find("Deployment", "protogate-v1")) as unknown as { spec: { replicas: unknown } };
  deployment.spec.replicas = "three";
  t.throws(() => new Deployment(deployment as never).validate());
});

test("deploy/kubernetes: the ConfigMap's config loads with protogate's own config loader", (t) => {
  const text = find("ConfigMap", "protogate-config").data?.["config.yaml"] ?? "";
  const config = parseConfigText(text, { file: "configmap.yaml", baseDir: "/", env: {} });
  t.is(config.listen.port, 8080);
  t.like(config.rateLimitStore, { kind: "redis", url: "redis://protogate-redis:6379" });
  t.truthy(config.backends[0]?.retry);
  t.truthy(config.backends[0]?.circuitBreaker);
});

interface PodSpec {
  readonly terminationGracePeriodSeconds: number;
  readonly containers: Array<{
    readonly readinessProbe: { readonly httpGet: { readonly path: string } };
    readonly livenessProbe: { readonly httpGet: { readonly path: string } };
    readonly resources: { readonly requests: Record<string, string> };
  }>;
}

for (const name of ["protogate-v1", "protogate-v2"]) {
  test(`deploy/kubernetes: ${name} has probes on /readyz and /healthz, requests, the sidecar and a grace period past the gateway's`, (t) => {
    const deployment = find("Deployment", name) as unknown as {
      spec: { template: { metadata: { annotations: Record<string, string>; labels: Record<string, string> }; spec: PodSpec } };
    };
    const pod = deployment.spec.template;
    t.is(pod.metadata.annotations["sidecar.istio.io/inject"], "true");
    t.is(pod.metadata.labels.app, "protogate");
    const container = pod.spec.containers[0]!;
    t.is(container.readinessProbe.httpGet.path, "/readyz");
    t.is(container.livenessProbe.httpGet.path, "/healthz");
    t.truthy(container.resources.requests.cpu);
    t.truthy(container.resources.requests.memory);
    const config = parseConfigText(find("ConfigMap", "protogate-config").data?.["config.yaml"] ?? "", { file: "c", baseDir: "/", env: {} });
    // preStop sleeps 5s, then the gateway drains for up to gracePeriod: both must fit.
    t.true(pod.spec.terminationGracePeriodSeconds * 1000 >= config.shutdown.gracePeriodMs + 5000);
  });
}

test("deploy/kubernetes: the VirtualService splits 90/10 between the DestinationRule's v1 and v2 subsets", (t) => {
  const vs = find("VirtualService", "protogate") as unknown as { spec: { http: Array<{ route: Array<{ destination: { subset: string }; weight: number }> }> } };
  const split = vs.spec.http[0]!.route.map((r) => [r.destination.subset, r.weight]);
  t.deepEqual(split, [["v1", 90], ["v2", 10]]);
  const dr = find("DestinationRule", "protogate") as unknown as { spec: { subsets: Array<{ name: string; labels: Record<string, string> }> } };
  t.deepEqual(dr.spec.subsets, [{ name: "v1", labels: { version: "v1" } }, { name: "v2", labels: { version: "v2" } }]);
  for (const version of ["v1", "v2"]) t.is(find("Deployment", `protogate-${version}`).metadata.labels?.version, version);
});

test("deploy/kubernetes: Redis for the shared rate-limit store has a Deployment and a Service", (t) => {
  t.truthy(find("Deployment", "protogate-redis"));
  const service = find("Service", "protogate-redis") as unknown as { spec: { ports: Array<{ port: number }> } };
  t.is(service.spec.ports[0]!.port, 6379);
});
