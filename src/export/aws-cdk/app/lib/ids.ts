/** A construct id for a name that may hold `/` (ECR repositories, secrets), which ids may not. */
export function idOf(name: string): string {
  return name.replaceAll('/', '--');
}
