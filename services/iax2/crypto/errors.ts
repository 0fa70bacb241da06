import { StrowgerError } from '../../../shared/errors.ts';

/** Stable codes for the crypto module's refusals. Each names the rule that was broken. */
export const CryptoErrorCode = {
  /** Not a PEM of a kind Asterisk's key loader takes, or its body does not parse (protocol.md §8.4). */
  KEY_FORMAT: 'IAX2_ERR_KEY_FORMAT',
  /** An encrypted private key with no passphrase, or one that does not decrypt it. */
  KEY_PASSPHRASE: 'IAX2_ERR_KEY_PASSPHRASE',
  /** An RSA key that is not exactly 1024 bits: Asterisk discards those at load (protocol.md §8.4). */
  RSA_KEY_SIZE: 'IAX2_ERR_RSA_KEY_SIZE',
  /** An AES key that is not the 16 bytes of an MD5 digest (protocol.md §11.2). */
  AES_KEY_LENGTH: 'IAX2_ERR_AES_KEY_LENGTH',
  /** A frame to encrypt that is shorter than its own header (12 full, 4 mini). */
  AES_FRAME_SHORT: 'IAX2_ERR_AES_FRAME_SHORT',
  /** A pad source that returned fewer bytes than asked for. */
  AES_PAD_SHORT: 'IAX2_ERR_AES_PAD_SHORT',
  /** A call-token option outside its sane range. */
  CALL_TOKEN_OPTION: 'IAX2_ERR_CALL_TOKEN_OPTION',
} as const;
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/** Raised for keys and parameters we refuse; never for bytes received from the network. */
export class Iax2CryptoError extends StrowgerError {
  declare readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
