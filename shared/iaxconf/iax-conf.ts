/**
 * Imports an Asterisk iax.conf into Strowger peers: `[general]` (register lines and the codec
 * defaults every peer starts from) and one peer per non-template section, templates applied.
 * Options Strowger implements are mapped; options that only mean something on a PBX of your
 * own (bind addresses, jitter buffers) are skipped with a warning; anything else is refused
 * with file, line and reason, and then nothing is imported at all.
 */
import { describeIssues, PeerConfig, type PeerConfigInput } from '../model/peer.ts';
import { refusedPeerHost, type AllowedNetworks } from '../model/peer-address-policy.ts';
import { ConfImportError, type ConfProblem } from './conf-errors.ts';
import { lexConf, resolveTemplates, type ConfEntry } from './conf-lexer.ts';
import { isFalse, isTrue, list, parseCallerId } from './conf-values.ts';
import { quoteConf } from './secret-mask.ts';

export interface RegisterEntry {
  /** The line as written after `register =>`. */
  line: string;
  sourceLine: number;
}

export interface IaxConfImport {
  peers: PeerConfig[];
  registers: RegisterEntry[];
  /** Lines accepted but without effect here (host-level settings). */
  warnings: ConfProblem[];
  /** Each peer's `[name]` line, for problems found later about the peer as a whole. */
  sectionLines: ReadonlyMap<string, number>;
}

/** Settings of a PBX's own IAX2 stack that a hosted platform sets for everyone. */
const HOST_LEVEL = new Set([
  'bindport', 'bindaddr', 'iaxcompat', 'nochecksums', 'delayreject', 'amendlevel', 'mailboxdetail', 'bandwidth',
  'jitterbuffer', 'forcejitterbuffer', 'maxjitterbuffer', 'resyncthreshold', 'maxjitterinterps', 'jittertargetextra',
  'minregexpire', 'maxregexpire', 'autokill', 'tos', 'cos', 'authdebug', 'rtcachefriends', 'rtupdate', 'rtautoclear',
  'rtignoreregexpire', 'trunkfreq', 'trunkmtu', 'trunkmaxsize', 'trunktimestamps', 'calltokenoptional', 'maxcallnumbers',
  'maxcallnumbers_nonvalidated', 'srvlookup', 'language', 'accountcode', 'amaflags', 'encryption', 'forceencryption',
  'requirecalltoken', 'iaxthreadcount', 'iaxmaxthreadcount', 'maxauthreq', 'shrinkcallerid', 'allowfwdownload', 'codecpriority',
]);
/** Peer options Asterisk has that Strowger does not act on. */
const IGNORED_PEER_OPTIONS = new Set(['jitterbuffer', 'setvar', 'keyrotate', 'immediate', 'adsi', 'timezone', 'mohinterpret', 'mohsuggest', 'mask', 'qualifyremote']);

export interface IaxConfOptions {
  tenant: string;
  file?: string;
  /**
   * The operator's allowed networks: given, every peer's effective `host=` and `defaultip=`
   * is checked against the static-host rules (peer-address-policy.ts) and a refused one is a
   * problem at its line. The control plane always gives it; the CLI leaves it to the API.
   */
  peerHosts?: AllowedNetworks;
}

export function importIaxConf(text: string, options: IaxConfOptions): IaxConfImport {
  const file = options.file ?? 'iax.conf';
  const conf = lexConf(text, file);
  const problems = conf.problems;
  const warnings: ConfProblem[] = [];
  const registers: RegisterEntry[] = [];
  let defaultCodecs: Array<{ allow: boolean; codec: string }> = [];
  const peers: PeerConfig[] = [];
  const sectionLines = new Map<string, number>();

  for (const section of conf.sections) {
    if (section.name.toLowerCase() !== 'general') continue;
    for (const entry of section.entries) {
      if (entry.key === 'register' && entry.arrow) registers.push({ line: entry.value, sourceLine: entry.line });
      else if (entry.key === 'allow' || entry.key === 'disallow') defaultCodecs = [...defaultCodecs, ...codecList(entry)];
      else if (HOST_LEVEL.has(entry.key)) warnings.push({ file, line: entry.line, reason: `${entry.key} is set by the platform, not per tenant; ignored` });
      else problems.push({ file, line: entry.line, reason: `unknown [general] option ${quoteConf(entry.key)}` });
    }
  }

  for (const section of conf.sections) {
    if (section.template || section.name.toLowerCase() === 'general' || section.name.toLowerCase() === 'callnumberlimits') continue;
    const entries = resolveTemplates(conf, section);
    const input: PeerConfigInput & Record<string, unknown> = {
      name: section.name,
      tenant: options.tenant,
      type: 'friend',
      secrets: [],
      contexts: [],
      inkeys: [],
      codecs: defaultCodecs.map((c) => ({ ...c })) as PeerConfigInput['codecs'],
      acl: [],
    };
    let typeSet = false;
    for (const entry of entries) {
      const reason = applyOption(input, entry);
      if (reason === 'type') typeSet = true;
      else if (reason === 'ignored') warnings.push({ file, line: entry.line, reason: `${entry.key} has no effect on Strowger; ignored` });
      else if (reason !== undefined) problems.push({ file, line: entry.line, reason });
    }
    if (!typeSet) problems.push({ file, line: section.line, reason: `[${section.name}] has no type= (user, peer or friend)` });
    if (options.peerHosts !== undefined) problems.push(...refusedHosts(entries, options.peerHosts, file));
    const parsed = PeerConfig.safeParse(input);
    if (!parsed.success) {
      for (const issue of describeIssues(parsed.error)) problems.push({ file, line: section.line, reason: `[${section.name}] ${issue}` });
    } else {
      peers.push(parsed.data);
      if (!sectionLines.has(parsed.data.name)) sectionLines.set(parsed.data.name, section.line);
    }
  }

  const seen = new Map<string, number>();
  for (const section of conf.sections.filter((s) => !s.template)) {
    const earlier = seen.get(section.name);
    if (earlier !== undefined) problems.push({ file, line: section.line, reason: `[${section.name}] is defined twice (first on line ${earlier})` });
    seen.set(section.name, section.line);
  }

  if (problems.length > 0) throw new ConfImportError([...problems].sort((a, b) => a.line - b.line));
  return { peers, registers, warnings, sectionLines };
}

/** The section's last `host=` and `defaultip=` (the ones that count), where the rules refuse them. */
function refusedHosts(entries: readonly ConfEntry[], allowed: AllowedNetworks, file: string): ConfProblem[] {
  const problems: ConfProblem[] = [];
  for (const key of ['host', 'defaultip']) {
    const entry = [...entries].reverse().find((e) => e.key === key);
    const why = entry === undefined ? undefined : refusedPeerHost(entry.value, allowed);
    if (entry !== undefined && why !== undefined) problems.push({ file, line: entry.line, reason: `${key}=: ${why}` });
  }
  return problems;
}

function codecList(entry: ConfEntry): Array<{ allow: boolean; codec: string }> {
  return list(entry.value, /[,&]/).map((codec) => ({ allow: entry.key === 'allow', codec: codec.toLowerCase() }));
}

/** Applies one option; returns undefined when applied, 'type' for type=, 'ignored', or a refusal. */
function applyOption(peer: Record<string, unknown> & PeerConfigInput, entry: ConfEntry): string | undefined {
  const v = entry.value;
  const flag = (name: string): string | undefined => {
    if (isTrue(v)) peer[name] = true;
    else if (isFalse(v)) peer[name] = false;
    else return `${entry.key}=${v}: expected yes or no`;
    return undefined;
  };
  const integer = (name: string): string | undefined => {
    if (!/^\d+$/.test(v)) return `${entry.key}=${v}: expected a whole number`;
    peer[name] = Number(v);
    return undefined;
  };
  switch (entry.key) {
    case 'type':
      if (!['user', 'peer', 'friend'].includes(v)) return `type=${v}: expected user, peer or friend`;
      peer.type = v as 'user' | 'peer' | 'friend';
      return 'type';
    case 'host':
    case 'defaultip':
    case 'username':
    case 'dbsecret':
    case 'outkey':
    case 'peercontext':
    case 'accountcode':
    case 'language':
    case 'regexten':
    case 'mailbox':
    case 'description':
      (peer as Record<string, unknown>)[entry.key] = v;
      return undefined;
    case 'port':
      return integer('port');
    case 'secret':
      (peer.secrets as string[]).push(v);
      return undefined;
    case 'auth':
      peer.auth = list(v, /,/) as PeerConfigInput['auth'];
      return undefined;
    case 'inkeys':
      (peer.inkeys as string[]).push(...list(v, /:/));
      return undefined;
    case 'context':
      (peer.contexts as string[]).push(v);
      return undefined;
    case 'callerid':
      peer.callerid = parseCallerId(v);
      return undefined;
    case 'trunk':
    case 'trunktimestamps':
    case 'qualifysmoothing':
    case 'forceencryption':
    case 'sendani':
      return flag(entry.key);
    case 'encryption':
      if (/^aes128$/i.test(v)) peer.encryption = true;
      else return flag('encryption');
      return undefined;
    case 'qualify':
      if (isTrue(v)) peer.qualify = 2000;
      else if (isFalse(v)) peer.qualify = false;
      else if (/^\d+$/.test(v)) peer.qualify = Number(v);
      else return `qualify=${v}: expected yes, no or a number of milliseconds`;
      return undefined;
    case 'qualifyfreqok':
    case 'qualifyfreqnotok':
    case 'maxcallnumbers':
      return integer(entry.key);
    case 'requirecalltoken':
      peer.requirecalltoken = isTrue(v) ? 'yes' : isFalse(v) ? 'no' : (v.toLowerCase() as 'auto');
      return undefined;
    case 'allow':
    case 'disallow':
      (peer.codecs as Array<{ allow: boolean; codec: string }>).push(...codecList(entry));
      return undefined;
    case 'codecpriority':
    case 'amaflags':
    case 'connectedline':
    case 'transfer':
      // zod checks the value against each option's allowed words.
      (peer as Record<string, unknown>)[entry.key] = v.toLowerCase();
      return undefined;
    case 'permit':
    case 'deny':
      (peer.acl as Array<{ action: string; network: string }>).push({ action: entry.key, network: v });
      return undefined;
    default:
      if (IGNORED_PEER_OPTIONS.has(entry.key)) return 'ignored';
      return `unknown option ${quoteConf(entry.key)}`;
  }
}
