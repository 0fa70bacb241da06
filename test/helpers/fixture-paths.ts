// Where the reference files kept in the repository live, as directory paths ending in a
// separator (so `${capturesDir}${name}` is a file path). See each folder's README.md.
import { fileURLToPath } from 'node:url';

/** The Asterisk 22.10.1 captures, the lab boxes' configs and the throwaway RSA keys. */
export const capturesDir = fileURLToPath(new URL('../fixtures/asterisk-22/', import.meta.url));

/** The seed documents: the chan_iax2 notes and the 2006 peering recipe. */
export const seedsDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));
