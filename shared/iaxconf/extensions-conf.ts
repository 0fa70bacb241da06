/**
 * Imports the route subset of an Asterisk extensions.conf:
 *
 *   [context]
 *   exten => PATTERN,1,Dial(IAX2/peer/${EXTEN}[,timeout[,options]])
 *   same => n,Dial(IAX2/other/${EXTEN:1})          ; failover, tried next
 *   exten => PATTERN,n,Hangup()                       ; accepted, no effect
 *
 * Anything else (other applications, variables, includes, parallel `&` dialling) is refused
 * with file, line and reason, and then nothing is imported.
 */
import { RouteConfig } from '../model/route.ts';
import { describeIssues } from '../model/peer.ts';
import { isStrowgerError } from '../errors.ts';
import { ConfImportError, type ConfProblem } from './conf-errors.ts';
import { lexConf } from './conf-lexer.ts';
import { parseDialString } from './dial-string.ts';
import { quoteConf } from './secret-mask.ts';

/** Applications that may follow a Dial without changing the route. */
const TERMINAL_APPS = new Set(['hangup', 'congestion', 'busy', 'noop']);
const SETTINGS_SECTIONS = new Set(['general']);

/** Where a route came from: its `exten => PATTERN,1` line and each destination's Dial line, in order. */
export interface RouteLines {
  line: number;
  destinations: number[];
}

export interface ExtensionsConfImport {
  routes: RouteConfig[];
  warnings: ConfProblem[];
  /** Each route's lines, for problems found later (a destination naming no peer of the tenant). */
  lines: ReadonlyMap<RouteConfig, RouteLines>;
}

export function importExtensionsConf(text: string, options: { tenant: string; file?: string }): ExtensionsConfImport {
  const file = options.file ?? 'extensions.conf';
  const conf = lexConf(text, file);
  const problems = conf.problems;
  const warnings: ConfProblem[] = [];
  const routes: RouteConfig[] = [];
  const lines = new Map<RouteConfig, RouteLines>();

  for (const section of conf.sections) {
    if (SETTINGS_SECTIONS.has(section.name.toLowerCase())) {
      for (const entry of section.entries) warnings.push({ file, line: entry.line, reason: `[${section.name}] ${entry.key} has no effect on Strowger; ignored` });
      continue;
    }
    if (section.name.toLowerCase() === 'globals') {
      problems.push({ file, line: section.line, reason: '[globals] variables are not supported in routes' });
      continue;
    }
    let last: { route: RouteConfig; line: number } | undefined;
    for (const entry of section.entries) {
      if (!entry.arrow || (entry.key !== 'exten' && entry.key !== 'same')) {
        problems.push({ file, line: entry.line, reason: `${quoteConf(entry.key)} is not supported: only exten => and same => lines` });
        continue;
      }
      const parts = splitArgs(entry.value);
      const [pattern, priority, app] = entry.key === 'same' ? [undefined, parts[0], parts.slice(1).join(',')] : [parts[0], parts[1], parts.slice(2).join(',')];
      const application = /^(\w+)\((.*)\)$/s.exec((app ?? '').trim());
      if (application === null) {
        problems.push({ file, line: entry.line, reason: `${quoteConf(app ?? '')} is not an application call like Dial(...)` });
        continue;
      }
      const name = (application[1] ?? '').toLowerCase();
      if (TERMINAL_APPS.has(name)) {
        warnings.push({ file, line: entry.line, reason: `${application[1]}() after the route's Dial needs no import; ignored` });
        continue;
      }
      if (name !== 'dial') {
        problems.push({ file, line: entry.line, reason: `${application[1]}() is not supported: routes only Dial(IAX2/...)` });
        continue;
      }
      const [dial = '', timeout, dialOptions] = splitArgs(application[2] ?? '');
      if (dial.includes('&')) {
        problems.push({ file, line: entry.line, reason: 'parallel dialling with & is not supported: use same => n,Dial(...) lines for failover' });
        continue;
      }
      let destination: RouteConfig['destinations'][number];
      try {
        destination = { dial, target: parseDialString(dial) };
      } catch (error) {
        problems.push({ file, line: entry.line, reason: isStrowgerError(error) ? error.message : String(error) });
        continue;
      }
      if (timeout !== undefined && timeout !== '') {
        if (!/^\d+$/.test(timeout)) {
          problems.push({ file, line: entry.line, reason: `Dial timeout ${quoteConf(timeout)} is not a number of seconds` });
          continue;
        }
        destination.timeoutS = Number(timeout);
      }
      if (dialOptions !== undefined && dialOptions !== '') warnings.push({ file, line: entry.line, reason: `Dial options ${quoteConf(dialOptions)} are not applied; ignored` });
      const continuing = entry.key === 'same' || (priority ?? '').trim().toLowerCase() === 'n';
      if (continuing) {
        if (last === undefined || (pattern !== undefined && pattern !== last.route.pattern)) {
          problems.push({ file, line: entry.line, reason: 'a failover Dial needs an exten => PATTERN,1,Dial(...) line before it' });
          continue;
        }
        last.route.destinations.push(destination);
        lines.get(last.route)?.destinations.push(entry.line);
        continue;
      }
      if ((priority ?? '').trim() !== '1') {
        problems.push({ file, line: entry.line, reason: `priority ${quoteConf(priority ?? '')} is not supported: use 1, then n or same => n` });
        continue;
      }
      const parsed = RouteConfig.safeParse({ tenant: options.tenant, context: section.name, pattern: (pattern ?? '').trim(), destinations: [destination] });
      if (!parsed.success) {
        for (const issue of describeIssues(parsed.error)) problems.push({ file, line: entry.line, reason: issue });
        continue;
      }
      if (routes.some((r) => r.context === section.name && r.pattern === parsed.data.pattern)) {
        problems.push({ file, line: entry.line, reason: `${parsed.data.pattern} is routed twice in [${section.name}]` });
        continue;
      }
      routes.push(parsed.data);
      lines.set(parsed.data, { line: entry.line, destinations: [entry.line] });
      last = { route: parsed.data, line: entry.line };
    }
  }
  if (problems.length > 0) throw new ConfImportError([...problems].sort((a, b) => a.line - b.line));
  return { routes, warnings, lines };
}

/** Splits application arguments on commas outside parentheses and ${...}. */
export function splitArgs(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === '{') depth++;
    if (ch === ')' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}
