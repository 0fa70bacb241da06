/**
 * The names and short strings peers and routes share, each with its bound (Asterisk keeps
 * names in 80 characters: AST_MAX_EXTENSION, AST_MAX_CONTEXT, section names).
 */
import { z } from 'zod';

/** IAX2 names: what a USERNAME IE and an iax.conf section header can carry. */
export const PeerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$/, 'letters, digits and _ . + - (1-80, starting with a letter or digit)');

/** Dialplan contexts (79 characters and the terminator in Asterisk). */
export const ContextName = z.string().regex(/^[A-Za-z0-9_.+-]{1,79}$/, 'letters, digits and _ . + - (1-79)');

/** Names of RSA keys (`inkeys=`, `outkey=`, keygen): file names without .pub/.key. */
export const KeyName = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'letters, digits and _ . - (1-80)');

/** A secret= value: one of a peer's, or inline in a dial string. */
export const Secret = z.string().min(1).max(128);

/** Caller ID parts, user names, extensions and the like. */
export const Text80 = z.string().max(80);
