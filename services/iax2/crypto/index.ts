/** IAX2 authentication and encryption: MD5 and RSA challenge answers, AES frames, call tokens. */
export { decryptDatagram, encryptDatagram, encryptedLength, type EncryptedFrameKind } from './aes-frame.ts';
export { CallTokenService, type CallTokenOptions, type CallTokenRemote, type CallTokens, type CallTokenVerdict } from './call-token.ts';
export { CryptoErrorCode, Iax2CryptoError } from './errors.ts';
export { matchMd5, md5Key, md5Result, splitSecrets } from './md5-auth.ts';
export { rsaSign, rsaVerify } from './rsa-auth.ts';
export {
  generateRsaKeyPair,
  loadPrivateKey,
  loadPublicKey,
  RSA_KEY_BITS,
  type RsaKeyPairPem,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './rsa-keys.ts';
