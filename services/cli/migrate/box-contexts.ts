/**
 * Contexts on both sides of a migration. On the platform each box gets a context of its own,
 * `from-<box>`, that its calls enter (two boxes may well dial the same numbers to reach
 * different boxes). On a box, calls from the platform must land where the old link's calls
 * landed: the box's [strowger] section takes every context its links had, and a call is sent
 * asking for the context it would have landed in before. Asterisk put a call from a peer in
 * the context the caller asked for (the Dial's @context, else the caller's peercontext=) when
 * the callee's section for it lists that context, else in the section's first context.
 */
import type { Box } from './box-naming.ts';

export const platformContext = (box: Box): string => `from-${box.name}`;

/** Every context of the box's links, first seen first: its [strowger] section's context= lines. */
export function landingContexts(box: Box): string[] {
  const sections = [...box.links.values()].sort((a, b) => a.line - b.line);
  return [...new Set(sections.flatMap((s) => s.contexts))];
}

/** Where the box puts a call from the platform that asks for no context: its platform peer's peercontext=. */
export const defaultLanding = (box: Box): string | undefined => landingContexts(box)[0];

/** The context a call from `caller` landed in on `callee` before (undefined: Asterisk's "default"). */
export function landingFor(caller: Box, callee: Box, requested?: string): string | undefined {
  const asked = requested ?? caller.links.get(callee.name)?.peercontext;
  const allowed = callee.links.get(caller.name)?.contexts ?? landingContexts(callee);
  if (asked !== undefined && allowed.includes(asked)) return asked;
  return allowed[0] ?? defaultLanding(callee);
}

/** The platform's dial string for a call to `callee`, naming the context only when it is not the peer's own. */
export function platformDial(callee: Box, extension: string, landing: string | undefined): string {
  const context = landing === undefined || landing === defaultLanding(callee) ? '' : `@${landing}`;
  return `IAX2/${callee.name}/${extension}${context}`;
}
