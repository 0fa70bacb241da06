/**
 * Secrets hidden wherever a tenant's own text is shown back: a refused conf line quoted in an
 * import problem, a dial string in a route. `secret=` values (and anything after the word
 * `secret` on a line that is not even key = value) and the secret of `user:secret@host`
 * become ********; an RSA `[outkey]` in the secret's place is a key name, not a secret, and stays.
 */
export const MASK = '********';

/** At most this much of a tenant's line is quoted in a message. */
const QUOTE_MAX = 120;

const CREDENTIALS = /([A-Za-z0-9_.+-]+:)(?!\[)[^\s/"]*@/g;
const SECRET_VALUE = /(\bsecret\b\s*(?:=>?|:)?\s*)\S.*$/gim;
const DIAL_ADDRESS = /IAX2\/[^/]*/gi;

/** A conf line (or part of one) with every secret in it masked. */
export function maskConfLine(text: string): string {
  return text
    .replace(SECRET_VALUE, `$1${MASK}`)
    .replace(DIAL_ADDRESS, (address) => maskDialSecret(address))
    .replace(CREDENTIALS, `$1${MASK}@`);
}

/** A tenant's text as a problem quotes it: masked, then cut to a readable length. */
export function quoteConf(text: string): string {
  const masked = maskConfLine(text);
  return `"${masked.length > QUOTE_MAX ? `${masked.slice(0, QUOTE_MAX)}...` : masked}"`;
}

/**
 * A dial string with its inline secret masked: `IAX2/user:********@peer/100`. Split the way
 * parseDialString splits (the address ends at the first `/`, the credentials at its last `@`);
 * a string without a secret comes back unchanged.
 */
export function maskDialSecret(dial: string): string {
  const match = /^(\s*IAX2\/)([^/]*)([\s\S]*)$/i.exec(dial);
  if (match === null) return dial.replace(CREDENTIALS, `$1${MASK}@`);
  const [, prefix = '', address = '', rest = ''] = match;
  const at = address.lastIndexOf('@');
  const colon = at < 0 ? -1 : address.slice(0, at).indexOf(':');
  if (colon < 0) return dial;
  const secret = address.slice(colon + 1, at);
  if (secret === '' || /^\[.+\]$/.test(secret)) return dial;
  return `${prefix}${address.slice(0, colon + 1)}${MASK}${address.slice(at)}${rest}`;
}
