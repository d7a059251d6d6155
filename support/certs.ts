/**
 * Certificates generated in the test: a private CA and leaf certificates with chosen validity
 * and host names. Keys come from Node's crypto (fast); node-forge builds and signs the X.509.
 */
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface LeafOptions {
  /** DNS names and IP addresses for the subjectAltName. */
  readonly hosts: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const DAY = 86_400_000;

function newKeyPair(): {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  return {
    privateKey: forgeKey,
    publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e),
    pem: privateKey,
  };
}

let serial = 1;

function baseCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  commonName: string,
  notBefore: Date,
  notAfter: Date,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: "commonName", value: commonName }]);
  return cert;
}

export class TestCa {
  readonly cert: string;
  private readonly certificate: forge.pki.Certificate;
  private readonly key: forge.pki.rsa.PrivateKey;

  private constructor(certificate: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey) {
    this.certificate = certificate;
    this.key = key;
    this.cert = forge.pki.certificateToPem(certificate);
  }

  static create(name = "Meet Monitor Test CA"): TestCa {
    const keys = newKeyPair();
    const now = Date.now();
    const cert = baseCertificate(keys.publicKey, name, new Date(now - DAY), new Date(now + 3650 * DAY));
    cert.setIssuer(cert.subject.attributes);
    cert.setExtensions([
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return new TestCa(cert, keys.privateKey);
  }

  issue(options: LeafOptions): Pem {
    const keys = newKeyPair();
    const cert = leafCertificate(keys, options);
    cert.setIssuer(this.certificate.subject.attributes);
    cert.setExtensions([
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: options.hosts.map(altName) },
    ]);
    cert.sign(this.key, forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
  }
}

/** A certificate signed by its own key, trusted by nobody. */
export function selfSigned(options: LeafOptions): Pem {
  const keys = newKeyPair();
  const cert = leafCertificate(keys, options);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([{ name: "subjectAltName", altNames: options.hosts.map(altName) }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
}

/** A leaf certificate for the options' hosts, valid from yesterday for 90 days unless told otherwise. */
function leafCertificate(keys: ReturnType<typeof newKeyPair>, options: LeafOptions): forge.pki.Certificate {
  const now = Date.now();
  return baseCertificate(
    keys.publicKey,
    options.hosts[0] ?? "localhost",
    options.notBefore ?? new Date(now - DAY),
    options.notAfter ?? new Date(now + 90 * DAY),
  );
}

function altName(host: string): { type: number; value?: string; ip?: string } {
  return /^[\d.]+$/.test(host) || host.includes(":") ? { type: 7, ip: host } : { type: 2, value: host };
}

export { DAY };
