/**
 * The platform routes a migration creates: in each box's context `from-<box>`, the numbers the
 * box dialled the other boxes with, each to the box it reached and the context it landed in.
 *
 * With the box's extensions.conf, every Dial(IAX2/<other box>/...) line makes a route for its
 * extension (box-dialplan.ts). Without it, the box keeps dialling the numbers it dialled
 * before, only through the platform, and the routes are the extensions the other box answers
 * in the context the box's calls landed in (from the other box's extensions.conf, when given),
 * else, for a box that peers with one other box only, every number: `_X.`. A box that peers
 * with several and whose numbers cannot be told apart is refused, asking for a dialplan.
 */
import type { ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { ExtensionPattern } from '../../../shared/model/route.ts';
import { canDial } from './box-conf.ts';
import { landingFor, platformContext, platformDial } from './box-contexts.ts';
import type { BoxDialplan, DialUse } from './box-dialplan.ts';
import type { Box } from './box-naming.ts';

export interface PlannedRoute {
  context: string;
  pattern: string;
  destinations: Array<{ dial: string; timeoutS?: number }>;
  /** Where it comes from, for messages: `file:line` or a description. */
  origin: string;
}

/** Every number, for a box that reaches one other box and whose dialplan is not given. */
export const ANY_NUMBER = '_X.';

const sameDestinations = (a: PlannedRoute, b: PlannedRoute): boolean => JSON.stringify(a.destinations) === JSON.stringify(b.destinations);

export function planRoutes(boxes: readonly Box[], dialplans: ReadonlyMap<string, BoxDialplan>): { routes: PlannedRoute[]; problems: ConfProblem[]; notes: string[] } {
  const routes = new Map<string, PlannedRoute>();
  const problems: ConfProblem[] = [];
  const notes: string[] = [];
  const byName = new Map(boxes.map((b) => [b.name, b]));
  const key = (r: { context: string; pattern: string }): string => `${r.pattern}@${r.context}`;

  const fromDialplan = (box: Box, dialplan: BoxDialplan): void => {
    let previous: { use: DialUse; route: PlannedRoute } | undefined;
    for (const use of dialplan.uses) {
      const callee = byName.get(use.to)!;
      const destination = { dial: platformDial(callee, use.target.extension, landingFor(box, callee, use.target.context)), ...(use.timeoutS === undefined ? {} : { timeoutS: use.timeoutS }) };
      const route: PlannedRoute = { context: platformContext(box), pattern: use.pattern, destinations: [destination], origin: `${use.file}:${use.line}` };
      const existing = routes.get(key(route));
      // A failover line adds its destination to the route of the line before it.
      if (use.continuing && previous !== undefined && previous.use.context === use.context && previous.use.pattern === use.pattern) {
        if (!previous.route.destinations.some((d) => d.dial === destination.dial)) previous.route.destinations.push(destination);
      } else if (existing === undefined) {
        routes.set(key(route), route);
        previous = { use, route };
      } else if (!sameDestinations(existing, route)) {
        problems.push({ file: use.file, line: use.line, reason: `${use.pattern} also goes elsewhere (${existing.origin}): the platform routes box ${box.name}'s calls by the number alone, whatever the box's context; give the extensions different patterns` });
      } else previous = { use, route: existing };
    }
    for (const other of box.links.keys()) {
      if (!dialplan.uses.some((u) => u.to === other)) notes.push(`${dialplan.file} never dials ${other}: no route from ${box.name} to ${other}`);
    }
  };

  const fromDefaults = (box: Box): void => {
    const callees = [...box.links].filter(([, section]) => canDial(section)).map(([name]) => byName.get(name)!);
    const taken = new Map<string, string>();
    for (const callee of callees) {
      const landing = landingFor(box, callee);
      const answered = landing === undefined ? undefined : dialplans.get(callee.name)?.extensions.get(landing)?.filter((p) => ExtensionPattern.safeParse(p).success);
      let patterns = answered !== undefined && answered.length > 0 ? answered : undefined;
      if (patterns === undefined) {
        if (callees.length > 1) {
          problems.push({
            file: box.conf.file, line: 0,
            reason: `box ${box.name} reaches ${callees.map((c) => c.name).join(' and ')}: which numbers go to which cannot be told without a dialplan; pass --extensions ${box.name}=FILE (its extensions.conf), or the others' extensions.conf`,
          });
          return;
        }
        patterns = [ANY_NUMBER];
      }
      for (const pattern of patterns) {
        const route: PlannedRoute = { context: platformContext(box), pattern, destinations: [{ dial: platformDial(callee, '${EXTEN}', landing) }], origin: `${callee.name}'s [${landing ?? 'default'}]` };
        const earlier = taken.get(pattern);
        if (earlier !== undefined && earlier !== callee.name) {
          problems.push({ file: box.conf.file, line: 0, reason: `box ${box.name}: both ${earlier} and ${callee.name} answer ${pattern}; pass --extensions ${box.name}=FILE (its extensions.conf) to say which it dials` });
          continue;
        }
        taken.set(pattern, callee.name);
        routes.set(key(route), route);
      }
    }
  };

  for (const box of boxes) {
    const dialplan = dialplans.get(box.name);
    if (dialplan === undefined) fromDefaults(box);
    else fromDialplan(box, dialplan);
  }
  return { routes: [...routes.values()], problems, notes };
}
