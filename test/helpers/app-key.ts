import { generateKeyPairSync } from 'node:crypto';

/** A GitHub App private key (PEM) made up for tests: Probot signs its JWTs with it. */
export function madeUpAppKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  }).privateKey;
}
