/**
 * One Argo CD ApplicationSet: a cluster generator per region (clusters labelled
 * `meridian.dev/region: <region>`, one cluster per region), the region's overlay as the source,
 * and a RollingSync strategy with one step per wave, matching the wave label every generated
 * Application carries. Argo CD syncs a step only once the previous one is healthy.
 */
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { InputError } from '../../common/errors.ts';
import { REGION_LABEL } from '../k8s/index.ts';
import type { Wave } from './waves.ts';

export const WAVE_LABEL = 'meridian.dev/wave';
export const ARGOCD_NAMESPACE = 'argocd';
export const ARGOCD_PROJECT = 'default';
/** Argo CD tracks resources with a label holding the Application's name. */
const MAX_APPLICATION_NAME = 63;

export interface ApplicationSetInput {
  /** ApplicationSet name; each Application is `<name>-<region>`. */
  readonly name: string;
  readonly repoURL: string;
  readonly revision: string;
  /** Folder holding `overlays/<region>/` in the repository. */
  readonly folder: string;
  /** Namespace the Applications deploy into. */
  readonly namespace: string;
  /** Create the namespace when the manifests do not carry it. */
  readonly createNamespace: boolean;
  readonly waves: readonly Wave[];
}

export function applicationSet(input: ApplicationSetInput): ApplicationSet {
  checkApplicationNames(input);
  return new ApplicationSet({
    metadata: { name: input.name, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'meridian', 'app.kubernetes.io/managed-by': 'meridian-export' } },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: input.waves.flatMap((wave) => wave.regions.map((region) => ({
        clusters: {
          selector: { matchLabels: { [REGION_LABEL]: region } },
          values: { region, wave: String(wave.number) },
        },
      }))),
      strategy: {
        type: 'RollingSync',
        rollingSync: {
          steps: input.waves.map((wave) => ({ matchExpressions: [{ key: WAVE_LABEL, operator: 'In', values: [String(wave.number)] }] })),
        },
      },
      // Deleting the ApplicationSet must never take the agents of every region down at once.
      syncPolicy: { preserveResourcesOnDeletion: true },
      template: {
        metadata: {
          name: `${input.name}-{{ .values.region }}`,
          labels: { [REGION_LABEL]: '{{ .values.region }}', [WAVE_LABEL]: '{{ .values.wave }}' },
        },
        spec: {
          project: ARGOCD_PROJECT,
          source: { repoURL: input.repoURL, targetRevision: input.revision, path: `${input.folder}/overlays/{{ .values.region }}` },
          destination: { server: '{{ .server }}', namespace: input.namespace },
          // No `automated`: with RollingSync the ApplicationSet controller syncs, wave by wave.
          syncPolicy: {
            ...(input.createNamespace ? { syncOptions: ['CreateNamespace=true'] } : {}),
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      },
    },
  });
}

function checkApplicationNames(input: ApplicationSetInput): void {
  for (const region of input.waves.flatMap((w) => w.regions)) {
    const name = `${input.name}-${region}`;
    if (name.length > MAX_APPLICATION_NAME) {
      throw new InputError(`Argo CD Application '${name}' is longer than ${MAX_APPLICATION_NAME} characters (Argo CD puts it in a label); shorten the service or region name`);
    }
  }
}
