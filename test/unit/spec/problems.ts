/** Test helper: parse a topology that must be rejected; its problems as `line:col: path: message`. */
import assert from 'node:assert/strict';
import { formatProblem, parseTopology, SpecError } from '../../../src/spec/index.ts';

export function problems(text: string): string[] {
  try {
    parseTopology(text, 'm.yaml');
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${String(err)}`);
    return err.problems.map((p) => formatProblem(p).replace(/^m\.yaml:/, ''));
  }
  assert.fail('expected the topology to be rejected');
}
