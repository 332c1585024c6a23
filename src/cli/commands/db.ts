/**
 * `meridian db status [-f FILE] [--json]`: every store of a topology, its current primary (read
 * live from the databases), each member's role, WAL position and reachability. Works for any
 * topology whose stores list their endpoints; without -f it uses the running lab's. The admin
 * login comes from MERIDIAN_DB_ADMIN_USER/_PASSWORD, or inside a lab from its state directory.
 */
import type { Command } from 'commander';
import { CheckFailed, InputError, UsageError } from '../../common/errors.ts';
import type { PgTls } from '../../data/index.ts';
import type { AppLogin, StoreStatus } from '../../lab/index.ts';
import { formatTable, printJson } from '../output.ts';

type Lab = typeof import('../../lab/index.ts');

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description("the topology's data stores (PostgreSQL): where the primary is, replication state");

  db.command('status')
    .description('each store: current primary, members with role, WAL position and reachability (exit 1 if a store has no member answering)')
    .option('-f, --file <path>', 'topology file (default: the running lab\'s)')
    .option('--json', 'print { stores: [...] } as JSON')
    .action(async (opts: { file?: string; json?: boolean }) => {
      const [lab, { loadTopologyFile }] = await Promise.all([import('../../lab/index.ts'), import('../../spec/index.ts')]);
      const topologyFile = opts.file ?? labTopologyOrFail(lab);
      const targets = lab.storeTargets(loadTopologyFile(topologyFile));
      const logins = resolveLogins(lab);
      const stores = await lab.observeStores(targets, logins);
      if (opts.json) printJson({ stores });
      else process.stdout.write(stores.length === 0 ? `no stores in ${topologyFile}\n` : stores.map(formatStoreSection).join('\n'));
      const silent = stores.filter((s) => s.members.every((m) => !m.reachable)).map((s) => s.name);
      if (silent.length > 0) throw new CheckFailed(`no member of store ${silent.join(', ')} answers`);
    });
}

function labTopologyOrFail({ readLabStatus }: Lab): string {
  const lab = readLabStatus();
  if (!lab) throw new UsageError('give the topology with -f FILE (no lab is running whose topology to use)');
  return lab.topologyFile;
}

/** The environment wins; inside a lab its own passwords (root only) are the fallback. */
function resolveLogins({ credentialsFromEnv, DB_CREDENTIAL_ENV, labDir, readCredentials, readLabStatus, existingLabPgClientTls }: Lab): { admin: AppLogin; app?: AppLogin; tls?: PgTls } {
  const fromEnv = credentialsFromEnv(process.env);
  const lab = readLabStatus() ? readCredentials(labDir()) : undefined;
  const adminUser = fromEnv.adminUser ?? lab?.adminUser;
  const adminPassword = fromEnv.adminPassword ?? lab?.adminPassword;
  if (!adminUser || !adminPassword) {
    throw new InputError(
      `no database admin login: set ${DB_CREDENTIAL_ENV.adminUser} and ${DB_CREDENTIAL_ENV.adminPassword}${readLabStatus() ? ' (or run as root to use the lab\'s)' : ''}`,
    );
  }
  const appUser = fromEnv.appUser ?? lab?.appUser;
  const appPassword = fromEnv.appPassword ?? lab?.appPassword;
  // Inside a lab whose members serve TLS (and require it of the admin role from the lab's networks), verify them with its CA.
  const tls = readLabStatus() ? existingLabPgClientTls(labDir()) : undefined;
  return { admin: { user: adminUser, password: adminPassword }, ...(appUser && appPassword ? { app: { user: appUser, password: appPassword } } : {}), ...(tls ? { tls } : {}) };
}

/** A store as a few lines of text: headline, member table, how to connect (password masked). */
export function formatStoreSection(s: StoreStatus): string {
  const unobserved = s.members.every((m) => m.reason?.startsWith('not observed'));
  const source =
    s.primarySource === 'observed' ? '' : unobserved ? ' (configured; not observed: no admin login, in a lab run as root)' : ' (no member answered as a writable primary: configured primary shown)';
  const headline = `store ${s.name} (${s.engine}, ${s.replication} replication, database ${s.database}): primary ${s.primary}${source}; apps use ${s.primaryFqdn}`;
  const table = formatTable(
    ['REGION', 'ROLE', 'ADDRESS', 'LSN', 'TIMELINE', 'STREAMING', 'REACHABLE'],
    s.members.map((m) => [
      m.region,
      m.fenced ? 'primary (fenced)' : m.role,
      m.address,
      m.lsn ?? '-',
      m.timeline === null ? '-' : String(m.timeline),
      m.streaming === null ? '-' : m.streaming ? 'yes' : 'NO',
      m.reachable ? 'yes' : `NO: ${m.reason ?? ''}`,
    ]),
  );
  return `${headline}\n${table}connect: psql '${maskPassword(s.connectionStringDirect)}'\n`;
}

function maskPassword(url: string): string {
  return url.replace(/^(postgresql:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
