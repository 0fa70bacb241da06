/**
 * The API key a command sends, where it came from (--key or STROWGER_API_KEY), and what to
 * say when it is missing, misshapen or refused. Each mistake gets its own message naming what
 * is wrong and where a key comes from, instead of the symptom it causes further on (a tenant
 * that cannot be inferred, a bare 401). Messages name a key by its owner only, never its secret.
 */
import { keyOwner, OPERATOR_OWNER } from '../control/auth/api-keys.ts';

type KeyOrigin = '--key' | 'STROWGER_API_KEY';

export class ApiKeySource {
  /** The tenant the key claims, `op` for the operator; undefined when it is not shaped like ours. */
  readonly owner: string | undefined;

  private constructor(
    /** The key as given, trimmed; '' when given empty. */
    readonly key: string | undefined,
    private readonly origin: KeyOrigin | undefined,
    /** Where `npm start` keeps the operator key, for the hints. */
    private readonly operatorKeyFile: string,
  ) {
    this.owner = key === undefined ? undefined : keyOwner(key);
  }

  /** --key wins over STROWGER_API_KEY, as every option wins over its variable. */
  static resolve(flag: string | undefined, env: Record<string, string | undefined>): ApiKeySource {
    const origin: KeyOrigin | undefined = flag !== undefined ? '--key' : env.STROWGER_API_KEY !== undefined ? 'STROWGER_API_KEY' : undefined;
    const given = flag ?? env.STROWGER_API_KEY;
    return new ApiKeySource(given?.trim(), origin, `${env.STROWGER_DATA_DIR ?? '.data'}/operator-key`);
  }

  /** Why nothing should be sent with this key, or undefined when it is worth sending. */
  problem(): string | undefined {
    if (this.key === undefined || this.key === '') {
      const empty = this.origin === undefined ? '' : ` (${this.origin} is empty)`;
      return `no API key${empty}: pass --key or set STROWGER_API_KEY; ${this.whereKeysComeFrom()}`;
    }
    if (this.owner === undefined) {
      return `${this.origin ?? 'the key'} does not look like a Strowger key (stg_<owner>_...): check it was copied whole; ${this.whereKeysComeFrom()}`;
    }
    return undefined;
  }

  /** The API's 401 or 403, with what it means for this key and what to do. */
  refused(status: number, apiMessage: string): string {
    const which = this.owner === OPERATOR_OWNER ? 'the operator key' : `the key of tenant ${this.owner ?? '?'}`;
    if (status === 403) {
      return `${apiMessage}: ${which} (${this.origin ?? 'key'}) is not enough here; use the operator key (${this.operatorKeyFile} for \`npm start\`, or STROWGER_ADMIN_KEY)`;
    }
    const why = this.owner === OPERATOR_OWNER
      ? 'it is not this deployment\'s operator key'
      : 'it was revoked, its tenant is suspended or does not exist, or it belongs to another deployment';
    return `the API refused ${which} (${this.origin ?? 'key'}): ${why}; ${this.whereKeysComeFrom()}`;
  }

  private whereKeysComeFrom(): string {
    return `the operator key of \`npm start\` is in ${this.operatorKeyFile} (or STROWGER_ADMIN_KEY if you set it), and tenant keys come from \`strowger key add --tenant T\``;
  }
}
