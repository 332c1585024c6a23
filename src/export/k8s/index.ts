/**
 * k8s export: what runs Meridian's agent in each region's cluster, as a Kustomize tree
 * (`base/` + `overlays/<region>/`). `kubernetesExport` is pure and deterministic; the caller
 * writes its files (src/export/files.ts). It throws InputError naming the first missing field.
 */
export { kubernetesExport } from './layout.ts';
export type { K8sExportOptions } from './inputs.ts';
export { normalizedTopologyYaml } from './config.ts';
export { loadBalancerAnnotations } from './services.ts';
export { egressRules, sharedDestinations, peerDestinations, apiSourceRanges, type Destination } from './network-policies.ts';
export { agentImage, parseImageReference, DIGEST, type ImageReference } from './image.ts';
export { REGION_LABEL, AGENT_NAME, DEFAULT_NAMESPACE } from './names.ts';
