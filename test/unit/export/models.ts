/**
 * Test helper: turns parsed YAML documents back into kubernetes-models classes by apiVersion and
 * kind, so a test validates exactly what was written against the official OpenAPI schemas.
 * An object of a kind not listed here fails the test: nothing goes unvalidated by omission.
 */
import assert from 'node:assert/strict';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

interface Model {
  validate(): void;
}

const MODELS: Record<string, new (data: never) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'argoproj.io/v1alpha1/ApplicationSet': ApplicationSet,
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Every YAML document of a text, as plain objects. */
export function documents(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject).filter((o) => o !== null);
}

/** The model class for an object; fails the test for a kind the table does not know. */
export function modelOf(object: KubeObject): Model {
  const Class = MODELS[`${object.apiVersion}/${object.kind}`];
  assert.ok(Class, `no model for ${object.apiVersion} ${object.kind}`);
  return new Class(object as never);
}

/** Validates against the OpenAPI schema; throws with the schema's message when invalid. */
export function validateObject(object: KubeObject): void {
  modelOf(object).validate();
}
