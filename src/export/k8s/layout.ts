/**
 * The Kustomize tree: `base/` holds what every region shares, `overlays/<region>/` adds what is
 * the region's own (its name, its peers' addresses, LoadBalancer patches), so the
 * tree drops into a GitOps repository as it is: `kustomize build overlays/<region>`.
 * Every object is validated against the Kubernetes OpenAPI schemas before it is serialized.
 */
import type { Region, Topology } from '../../spec/index.ts';
import { toYaml, type ExportFiles } from '../files.ts';
import { validated, type Validatable } from '../validated.ts';
import { regionConfigMap, topologyConfigMap } from './config.ts';
import { checkK8sInputs, type K8sExportOptions, type K8sInputs } from './inputs.ts';
import { API_SERVICE, DNS_SERVICE, GENERATED_COMMENT, REGION_LABEL } from './names.ts';
import { apiIngressPolicy, apiSourceRanges, dnsIngressPolicy, peerEgressPolicy, peerIngressPolicy, sharedEgressPolicy, siblingsPolicy } from './network-policies.ts';
import { apiService, dnsService, loadBalancerPatch, siblingsService } from './services.ts';
import { agentDeployment, agentNamespace, agentPodDisruptionBudget, agentServiceAccount } from './workload.ts';

type Files = [name: string, object: Validatable, comment?: readonly string[]][];

const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' } as const;

const NO_ROLE_COMMENT = [
  'Least privilege: the agent calls no Kubernetes API (only its peers, etcd and the databases),',
  'so this ServiceAccount has no Role or RoleBinding and no token is mounted into the pod.',
];

/** Relative path → file content for `base/` and one overlay per region asked for. */
export function kubernetesExport(topology: Topology, options: K8sExportOptions): ExportFiles {
  const inputs = checkK8sInputs(topology, options);
  const entries: [string, string][] = [
    ...folder('base', baseFiles(inputs)),
    ...inputs.regions.flatMap((r) => overlayFiles(inputs, r)),
  ];
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function baseFiles(inputs: K8sInputs): Files {
  const { namespace, topology, peerPort } = inputs;
  return [
    ['namespace.yaml', agentNamespace(namespace)],
    ['serviceaccount.yaml', agentServiceAccount(namespace), NO_ROLE_COMMENT],
    ['configmap-topology.yaml', topologyConfigMap(topology, namespace)],
    ['deployment.yaml', agentDeployment(inputs)],
    ['poddisruptionbudget.yaml', agentPodDisruptionBudget(namespace)],
    ['service-dns.yaml', dnsService(namespace)],
    ['service-api.yaml', apiService(namespace, peerPort)],
    ['service-agents.yaml', siblingsService(namespace, peerPort)],
    ['networkpolicy-dns-ingress.yaml', dnsIngressPolicy(namespace)],
    ['networkpolicy-egress.yaml', sharedEgressPolicy(topology, namespace)],
    ['networkpolicy-siblings.yaml', siblingsPolicy(namespace, peerPort)],
  ];
}

function overlayFiles(inputs: K8sInputs, region: Region): [string, string][] {
  const { namespace, topology } = inputs;
  const resources: Files = [
    ['configmap-region.yaml', regionConfigMap(region.name, namespace)],
    ['networkpolicy-api-ingress.yaml', apiIngressPolicy(topology, region.name, inputs.operatorCidrs, namespace)],
    ['networkpolicy-egress-peers.yaml', peerEgressPolicy(topology, region.name, namespace)],
    ...(inputs.peerPort !== undefined
      ? [['networkpolicy-peer-ingress.yaml', peerIngressPolicy(topology, region.name, inputs.peerPort, namespace)] as Files[number]]
      : []),
  ];
  const patches: Files = [];
  if (inputs.dnsLoadBalancer) patches.push(['patch-service-dns.yaml', loadBalancerPatch(DNS_SERVICE, namespace, region, 'public')]);
  if (inputs.apiLoadBalancer) {
    patches.push(['patch-service-api.yaml', loadBalancerPatch(API_SERVICE, namespace, region, 'internal', apiSourceRanges(topology, region.name, inputs.operatorCidrs))]);
  }
  const kustomization = {
    ...KUSTOMIZATION,
    resources: ['../../base', ...resources.map(([name]) => name)],
    ...(patches.length > 0 ? { patches: patches.map(([name]) => ({ path: name })) } : {}),
    labels: [{ pairs: { [REGION_LABEL]: region.name } }],
  };
  return folder(`overlays/${region.name}`, [...resources, ...patches], kustomization);
}

/** The folder's files plus its kustomization.yaml (listing the files unless one is given). */
function folder(dir: string, files: Files, kustomization?: object): [string, string][] {
  const own = kustomization ?? { ...KUSTOMIZATION, resources: files.map(([name]) => name) };
  return [
    [`${dir}/kustomization.yaml`, toYaml(own, { comment: [GENERATED_COMMENT] })],
    ...files.map(([name, object, comment]): [string, string] => {
      validated(`${dir}/${name}`, object);
      return [`${dir}/${name}`, toYaml(object, { comment: [GENERATED_COMMENT, ...(comment ?? [])] })];
    }),
  ];
}
