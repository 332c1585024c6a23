/** One problem found in a topology file; load.ts turns its path into file:line:column. */
export interface SpecIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** When the issue is about a map key rather than its value (unknown keys). */
  readonly atKey?: boolean;
}
