/**
 * The agent's image reference, pinned by digest when one is given. A tag can be pushed again
 * (by a release job, or by whoever got write access to the registry); a digest names exactly
 * one manifest, so every region and every restarted pod runs the bytes that were reviewed.
 * Pure; bad input is one InputError line.
 */
import { InputError } from '../../common/errors.ts';

/**
 * `name[:tag][@digest]` as the distribution/reference grammar has it. Written here rather than
 * taken from npm: the ports there are unmaintained CommonJS and rewrite familiar names
 * (`meridian` → `docker.io/library/meridian`), which would change what the user wrote.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(.+))?$`);

/** The only digest accepted: what registries and `docker buildx imagetools inspect` print. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageReference(text: string, field: string): ImageReference {
  const match = REFERENCE.exec(text);
  if (!match) throw new InputError(`${field} '${text}' is not an image reference (registry/name[:tag][@sha256:<64 hex>])`);
  const [, name, tag, digest] = match;
  if (digest !== undefined) checkDigest(digest, field);
  return { name: name!, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function checkDigest(digest: string, field: string): void {
  if (!DIGEST.test(digest)) {
    throw new InputError(`${field}: '${digest}' is not an image digest: expected sha256: and 64 lowercase hex digits (docker buildx imagetools inspect IMAGE prints it)`);
  }
}

/**
 * The reference the Deployment runs. With a digest (in the reference, or given apart) it is
 * `name@sha256:…` and the tag is dropped: kubelets resolve by digest only, and a tag beside it
 * would only suggest to a reader that the tag decides. Without one, the reference as written.
 */
export function agentImage(image: string, field: string, digest?: string): string {
  const ref = parseImageReference(image, field);
  if (digest === undefined) return ref.digest ? `${ref.name}@${ref.digest}` : image;
  checkDigest(digest, '--image-digest');
  if (ref.digest && ref.digest !== digest) {
    throw new InputError(`--image-digest ${digest} differs from the digest in ${field} '${image}': give one of them`);
  }
  return `${ref.name}@${digest}`;
}
