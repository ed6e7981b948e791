import { generateKeyPairSync } from 'node:crypto';
import { SimpleAuthenticationDetailsProvider } from 'oci-common';

/** The fake identity the OCI SDK signs with in tests, and the keyId the fakes see. */
export const TEST_TENANCY = 'ocid1.tenancy.oc1..fake';
export const TEST_USER = 'ocid1.user.oc1..fake';
export const TEST_FINGERPRINT = '20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34';
export const TEST_SIGNING_KEY_ID = `${TEST_TENANCY}/${TEST_USER}/${TEST_FINGERPRINT}`;

/** A fresh RSA signing key pair in PEM (SPKI public, PKCS#8 private), as OCI API keys are. */
export function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** An SDK auth provider that signs as the test identity with the given private key. */
export function testAuthProvider(privateKey: string): SimpleAuthenticationDetailsProvider {
  return new SimpleAuthenticationDetailsProvider(TEST_TENANCY, TEST_USER, TEST_FINGERPRINT, privateKey, null);
}
