/**
 * The web console's content security policy, one definition for both places that serve it:
 * the local adapter (services/control/local/console-files.ts), where the API is the console's
 * own origin, and CloudFront (infra/constructs/console-site.ts), where the API is on an
 * execute-api origin named in `apiOrigins`. Its own scripts and styles only, never framed.
 */
export function consoleCsp(apiOrigins = ''): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${apiOrigins === '' ? '' : ` ${apiOrigins}`}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
