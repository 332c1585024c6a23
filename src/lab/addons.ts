/**
 * What `lab up --with` can add. Its own module, so `meridian --help` can list the choices
 * without loading `lab up` and everything it starts.
 */

/** `prometheus`: one per region and a global one federating them (prometheus.ts). */
export const LAB_ADDONS = ['prometheus'] as const;
export type LabAddon = (typeof LAB_ADDONS)[number];
