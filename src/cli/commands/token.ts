/**
 * `meridian token create --name N --role R`: a new API token, printed once, with the line to add
 * to every agent's tokens file (`meridian agent --tokens FILE`). The token itself is stored
 * nowhere: the agents keep its SHA-256 only (docs/security.md, "Tokens").
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { printJson } from '../output.ts';

const ROLE_NAMES = ['viewer', 'operator', 'admin'];

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for people and tools (roles viewer, operator, admin)');
  token.command('create')
    .description('print a new token once, and the line to add to every agent\'s tokens file')
    .requiredOption('--name <name>', 'who or what uses it (the principal every action is recorded with), e.g. alice or prometheus')
    .requiredOption('--role <role>', `one of ${ROLE_NAMES.join(', ')}`)
    .option('--json', 'print { name, role, token, line } as JSON')
    .action(async (opts: { name: string; role: string; json?: boolean }) => {
      const { digestToken, generateToken, isRole, tokenLine } = await import('../../agent/auth/index.ts');
      if (!isRole(opts.role)) throw new UsageError(`--role must be one of ${ROLE_NAMES.join(', ')}, not '${opts.role}'`);
      if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(opts.name)) throw new UsageError(`--name '${opts.name}': letters, digits and . _ @ - (at most 64)`);
      const value = generateToken();
      const line = tokenLine({ name: opts.name, role: opts.role, sha256: digestToken(value) });
      if (opts.json) return printJson({ name: opts.name, role: opts.role, token: value, line });
      process.stdout.write(`${value}\n`);
      process.stderr.write([
        `the token above is shown once: hand it to ${opts.name} through your secret store; the CLI reads it from`,
        'MERIDIAN_TOKEN or ~/.config/meridian/credentials (mode 0600), Prometheus from authorization.credentials_file.',
        'add this line to the tokens file of every agent (--tokens FILE; reread within a second, no restart):',
        `  ${line}`,
        '',
      ].join('\n'));
    });
}
