/**
 * A migration, planned from the boxes' own files without touching the platform: the boxes and
 * their links (box-naming.ts), one platform peer per box (link-peer.ts), the routes between
 * them (route-plan.ts) and each box's changes (box-changes.ts). The platform's side is written
 * as the iax.conf and extensions.conf the platform would have been given by hand, so it goes
 * in through the import: all or nothing, checked like any import. Every problem in the boxes'
 * files is found before anything is refused, and reported at its file and line.
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { ConfImportError } from '../../../shared/iaxconf/conf-errors.ts';
import { importExtensionsConf } from '../../../shared/iaxconf/extensions-conf.ts';
import { readBoxConf, type BoxSection } from './box-conf.ts';
import { boxChanges, PLATFORM_SECTION, type BoxChanges, type PlatformAddress } from './box-changes.ts';
import { readBoxDialplan, type BoxDialplan } from './box-dialplan.ts';
import { nameBoxes, type Box } from './box-naming.ts';
import { firstLink, platformPeer, type PlatformPeer } from './link-peer.ts';
import { MigrationRefused } from './migration-refused.ts';
import { planRoutes, type PlannedRoute } from './route-plan.ts';

export interface MigrationInput {
  /** Each box's iax.conf; `name` from --box. */
  iax: ReadonlyArray<{ file: string; text: string; name?: string }>;
  /** Boxes' extensions.conf, by box name (--extensions NAME=FILE). */
  extensions: ReadonlyArray<{ box: string; file: string; text: string }>;
  platform: PlatformAddress;
  auth: 'md5' | 'plaintext';
  /** A fresh secret (one per box). */
  newSecret: () => string;
  /** Keep each box's old link secret instead (only when asked: the boxes shared it with each other). */
  keepSecrets: boolean;
}

export interface MigrationPlan {
  peers: PlatformPeer[];
  routes: PlannedRoute[];
  boxes: BoxChanges[];
  /** Lines read but left as they are, with why. */
  warnings: ConfProblem[];
  notes: string[];
  /** What the platform imports: its own view of the boxes. */
  importFiles: Array<{ name: string; kind: 'iax' | 'extensions'; text: string }>;
}

export const IMPORT_IAX = 'migrate-iax.conf';
export const IMPORT_EXTENSIONS = 'migrate-extensions.conf';

/** Where a section's lines run: an unreadable line inside a link section hides one of its options. */
const within = (section: BoxSection, line: number): boolean => line >= section.line && line <= section.endLine;

export function planMigration(input: MigrationInput): MigrationPlan {
  const boxes = nameBoxes(input.iax.map((f) => ({ conf: readBoxConf(f.file, f.text), ...(f.name === undefined ? {} : { name: f.name }) })));
  const problems: ConfProblem[] = [];
  const warnings: ConfProblem[] = [];

  for (const box of boxes) {
    const links = [...box.links.values()];
    for (const p of box.conf.unreadable) {
      if (links.some((s) => within(s, p.line))) problems.push(p);
      else warnings.push({ ...p, reason: `not read: ${p.reason}` });
    }
    const existing = box.conf.sections.find((s) => s.name === PLATFORM_SECTION);
    if (existing !== undefined) warnings.push({ file: box.conf.file, line: existing.line, reason: `the box has a [${PLATFORM_SECTION}] section already: the one printed below replaces it` });
  }

  const dialplans = readDialplans(boxes, input.extensions, problems);
  for (const dialplan of dialplans.values()) warnings.push(...dialplan.warnings);

  const secrets = new Map<string, string>();
  for (const box of boxes) {
    const link = firstLink(box);
    if (!input.keepSecrets) secrets.set(box.name, input.newSecret());
    else if (link.secret !== undefined) secrets.set(box.name, link.secret);
    else problems.push({ file: box.conf.file, line: link.line, reason: `[${link.name}] has no secret= to keep: leave out --keep-secrets for a new one` });
  }

  const peers: PlatformPeer[] = [];
  for (const box of boxes) {
    const planned = platformPeer(box, secrets.get(box.name) ?? 'unset', input.auth);
    if ('problems' in planned) problems.push(...planned.problems);
    else {
      peers.push(planned.peer);
      warnings.push(...planned.warnings);
    }
  }
  const routePlan = planRoutes(boxes, dialplans);
  problems.push(...routePlan.problems);
  const extensionsText = routesConf(routePlan.routes, problems);
  if (problems.length > 0) throw new MigrationRefused(problems);

  return {
    peers,
    routes: routePlan.routes,
    boxes: boxes.map((box) => boxChanges(box, secrets.get(box.name)!, input.auth, input.platform, dialplans.get(box.name))),
    warnings,
    notes: routePlan.notes,
    importFiles: [
      { name: IMPORT_IAX, kind: 'iax', text: `${peers.map((p) => p.lines.join('\n')).join('\n\n')}\n` },
      ...(routePlan.routes.length === 0 ? [] : [{ name: IMPORT_EXTENSIONS, kind: 'extensions' as const, text: extensionsText }]),
    ],
  };
}

function readDialplans(boxes: readonly Box[], files: MigrationInput['extensions'], problems: ConfProblem[]): Map<string, BoxDialplan> {
  const dialplans = new Map<string, BoxDialplan>();
  for (const file of files) {
    const box = boxes.find((b) => b.name === file.box);
    if (box === undefined) {
      problems.push({ file: file.file, line: 0, reason: `--extensions ${file.box}=: there is no box ${file.box} (the boxes are ${boxes.map((b) => b.name).join(', ')})` });
      continue;
    }
    if (dialplans.has(box.name)) {
      problems.push({ file: file.file, line: 0, reason: `box ${box.name} has two extensions.conf (also ${dialplans.get(box.name)?.file}); paste them into one` });
      continue;
    }
    // A Dial reaches another box by its section's name, or by the host it is at.
    const boxOf = new Map<string, string>();
    for (const [other, section] of box.links) {
      boxOf.set(section.name, other);
      if (section.host !== undefined && section.host.toLowerCase() !== 'dynamic') boxOf.set(section.host, other);
    }
    dialplans.set(box.name, readBoxDialplan(file.file, file.text, (peer) => boxOf.get(peer), PLATFORM_SECTION));
  }
  return dialplans;
}

/** The routes as an extensions.conf, checked by the import's parser; a refused route is reported where it came from. */
function routesConf(routes: readonly PlannedRoute[], problems: ConfProblem[]): string {
  const lines: string[] = [];
  const origins: string[] = [];
  const contexts = [...new Set(routes.map((r) => r.context))];
  for (const context of contexts) {
    lines.push(`[${context}]`);
    origins.push(routes.find((r) => r.context === context)?.origin ?? '');
    for (const route of routes.filter((r) => r.context === context)) {
      route.destinations.forEach((d, i) => {
        const dial = `Dial(${d.dial}${d.timeoutS === undefined ? '' : `,${d.timeoutS}`})`;
        lines.push(i === 0 ? `exten => ${route.pattern},1,${dial}` : ` same => n,${dial}`);
        origins.push(route.origin);
      });
    }
  }
  const text = `${lines.join('\n')}\n`;
  try {
    importExtensionsConf(text, { tenant: '-', file: IMPORT_EXTENSIONS });
  } catch (error) {
    if (!(error instanceof ConfImportError)) throw error;
    for (const p of error.problems) problems.push({ file: origins[p.line - 1] ?? IMPORT_EXTENSIONS, line: 0, reason: `platform route: ${p.reason}` });
  }
  return text;
}
