/** Schema validation of generated model objects (kubernetes-models and its third-party models). */

/** A model object: its `validate()` checks it against the official OpenAPI or CRD schema. */
export interface Validatable {
  validate(): void;
}

/** A generated object that fails its schema is a bug here, not bad input: stop loudly. */
export function validated<T extends Validatable>(where: string, object: T): T {
  try {
    object.validate();
  } catch (err) {
    throw new Error(`invariant: generated ${where} does not match its schema: ${(err as Error).message}`, { cause: err });
  }
  return object;
}
