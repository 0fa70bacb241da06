/** Importing Asterisk configuration: iax.conf peers and the route subset of extensions.conf. */
export { ConfImportError, type ConfProblem } from './conf-errors.ts';
export { lexConf, type ConfEntry, type ConfFile, type ConfSection } from './conf-lexer.ts';
export { expandExtension, parseDialString, type DialTarget } from './dial-string.ts';
export { importExtensionsConf } from './extensions-conf.ts';
export { importIaxConf, type IaxConfImport, type IaxConfOptions, type RegisterEntry } from './iax-conf.ts';
export { maskConfLine, maskDialSecret, MASK, quoteConf } from './secret-mask.ts';
