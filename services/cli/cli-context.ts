/**
 * What every API command shares: `--api URL` (env STROWGER_API, default
 * http://127.0.0.1:8080), `--key K` (env STROWGER_API_KEY), `--tenant T` (default: the
 * tenant a tenant key belongs to) and `--json`. Options are parsed with node:util's
 * parseArgs, so unknown options and missing values are usage errors, never guesses.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiClient, CliError } from './api-client.ts';
import { OPERATOR_OWNER } from '../control/auth/api-keys.ts';
import { ApiKeySource } from './api-key-source.ts';
import { ExitCode, type CliIo } from './io.ts';
import { describeParseError } from './parse-args-errors.ts';

export const DEFAULT_API = 'http://127.0.0.1:8080';

const COMMON = {
  api: { type: 'string' },
  key: { type: 'string' },
  tenant: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export class CommandContext {
  readonly client: ApiClient;
  readonly json: boolean;
  readonly help: boolean;
  private readonly keys: ApiKeySource;

  constructor(
    readonly io: CliIo,
    private readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>,
    readonly positionals: string[],
    readonly usage: string,
  ) {
    this.keys = ApiKeySource.resolve(this.str('key'), io.env);
    const api = this.str('api') ?? io.env.STROWGER_API ?? DEFAULT_API;
    if (!/^https?:\/\//.test(api)) throw new CliError(`--api "${api}" is not an http(s) URL`, ExitCode.USAGE);
    this.client = new ApiClient(api, this.keys);
    this.json = values.json === true;
    this.help = values.help === true;
  }

  /** `command`: how it was invoked (`strowger peer add`), named in option errors. */
  static parse(io: CliIo, args: readonly string[], options: OptionSpec, usage: string, command = 'strowger'): CommandContext {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(describeParseError(error as Error, command), ExitCode.USAGE);
    }
    return new CommandContext(io, parsed.values, parsed.positionals, usage);
  }

  str(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  strs(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A whole number option, or a usage error naming it. */
  int(name: string): number | undefined {
    const text = this.str(name);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw new CliError(`--${name} "${text}" is not a whole number\n${this.usage}`, ExitCode.USAGE);
    return Number(text);
  }

  /** The tenant to act on: --tenant, else the owner of a tenant key. */
  tenant(): string {
    const named = this.str('tenant');
    if (named !== undefined) return named;
    // Without a usable key there is no tenant to infer: say what is wrong with the key.
    const keyProblem = this.keys.problem();
    if (keyProblem !== undefined) throw new CliError(keyProblem, ExitCode.USAGE);
    const owner = this.keys.owner;
    if (owner === undefined || owner === OPERATOR_OWNER) throw new CliError(`name the tenant with --tenant (the operator key belongs to no tenant)\n${this.usage}`, ExitCode.USAGE);
    return owner;
  }

  /** A positional argument the usage requires. */
  arg(index: number, name: string): string {
    const value = this.positionals[index];
    if (value === undefined || value === '') throw new CliError(`missing ${name}\n${this.usage}`, ExitCode.USAGE);
    return value;
  }

  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** `/v1/tenants/<tenant>` plus a path, every segment encoded. */
  tenantPath(...segments: string[]): string {
    return ['/v1/tenants', this.tenant(), ...segments].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
  }
}
