import { sign } from 'node:crypto';
import { rsaKeyPair } from './oci-test-auth.ts';

/**
 * A resource principal as OCI Functions and Container Instances inject it (version 2.2): an RPST
 * (a JWT the SDK decodes for claims such as `res_tenant`, never verifies) and the session private
 * key that signs requests. The SDK signs with keyId `ST$<rpst>`, which the fakes are told to trust
 * with the session public key. The token here is signed by a throwaway issuer key, so it is a
 * well-formed JWT, not a stand-in string.
 */
export interface TestResourcePrincipal {
  readonly env: Readonly<Record<string, string>>;
  /** The signing keyId the SDK will send, and the session public key to accept for it. */
  readonly keys: Readonly<Record<string, string>>;
}

export function testResourcePrincipal(region = 'us-phoenix-1'): TestResourcePrincipal {
  const session = rsaKeyPair();
  const issuer = rsaKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
    sub: 'ocid1.fnfunc.oc1.phx.fake',
    res_type: 'fnfunc',
    res_tenant: 'ocid1.tenancy.oc1..fake',
    res_compartment: 'ocid1.compartment.oc1..fake',
    iss: 'authService.oracle.com',
    iat: now,
    exp: now + 3600,
  })}`;
  const rpst = `${unsigned}.${sign('sha256', Buffer.from(unsigned), issuer.privateKey).toString('base64url')}`;
  return {
    env: {
      OCI_RESOURCE_PRINCIPAL_VERSION: '2.2',
      OCI_RESOURCE_PRINCIPAL_RPST: rpst,
      OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: session.privateKey,
      OCI_RESOURCE_PRINCIPAL_REGION: region,
    },
    keys: { [`ST$${rpst}`]: session.publicKey },
  };
}
