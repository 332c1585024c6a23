/**
 * export: what users deploy, generated from the topology so it never drifts from it. Each
 * export is a pure, deterministic function `Topology → ExportFiles` (same topology, same bytes)
 * that throws InputError naming the first missing field; `writeExportFiles` writes the result.
 * Targets: k8s (the agent as Kustomize base + overlays), argocd (ApplicationSets in waves),
 * aws-cdk (src/export/aws-cdk). `export prometheus` lives in src/observe/export.
 */
export { writeExportFiles, toYaml, toYamlDocuments, type ExportFiles, type YamlOptions } from './files.ts';
export { kubernetesExport, type K8sExportOptions } from './k8s/index.ts';
export { argocdExport, rolloutWaves, type Wave } from './argocd/index.ts';
