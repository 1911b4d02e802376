/**
 * The 4.2.1.1 inventory from evidence, and its CSV (read back with a separate RFC 4180
 * reader written here, not the renderer's own code).
 */
import t from 'tap';
import type { Attempt, AttemptRole } from '../../../src/domain/attempt.js';
import type { Evidence } from '../../../src/domain/evidence.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { buildCertificateInventory } from '../../../src/evaluate/certificate-inventory.js';
import { fingerprintOfPem } from '../../../src/crypto/certificate.js';
import {
  CERTIFICATE_CSV_COLUMNS,
  csvCell,
  renderCertificatesCsv,
} from '../../../src/report/reporters/certificates-csv.js';
import { daysFromNow, mintCa, mintCert } from '../../helpers/certs.js';

const NOW = new Date();
const ca = mintCa('inventory CA');
const api = mintCert({ cn: 'api.payments', issuer: ca, dns: ['api.payments.svc'], notAfter: daysFromNow(200, NOW) });
// SANs are chosen by whoever runs the server: one looks like a spreadsheet formula, one has a comma and quotes.
const weak = mintCert({
  cn: 'legacy',
  issuer: ca,
  keyBits: 1024,
  dns: ['=1+2', 'legacy, "quoted"'],
  notAfter: daysFromNow(200, NOW),
});
const selfSigned = mintCert({ cn: 'admin', dns: ['admin'], notAfter: daysFromNow(200, NOW) });

function evidence(o: {
  id: string;
  ns: string;
  name: string;
  port: number;
  vantage: Vantage;
  chain: readonly string[];
  role?: AttemptRole;
}): Evidence {
  const attempt: Attempt = {
    id: o.id,
    probeId: 'tls-facts',
    role: o.role ?? 'probe',
    vantage: o.vantage,
    target: { kind: 'Service', namespace: o.ns, name: o.name },
    address: `${o.name}.${o.ns}.svc`,
    port: o.port,
    technique: 'tls',
    timeoutMs: 3000,
  };
  return {
    id: o.id,
    attempt,
    observation: {
      v: 1,
      attemptId: o.id,
      startedAt: NOW.toISOString(),
      durationMs: 5,
      transport: 'connected',
      bytesReceived: 0,
      tls: {
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        alpn: null,
        peerChainPem: o.chain,
        handshake: true,
        authorized: false,
      },
    },
    outcome: { kind: 'allowed', as: 'tls-handshake', detail: '' },
    certificates: o.chain.map(fingerprintOfPem),
    why: 'test',
  };
}

/** RFC 4180 reader: quoted fields may hold commas, CRLF and doubled quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

const EVIDENCE: readonly Evidence[] = [
  evidence({
    id: 'a',
    ns: 'payments',
    name: 'api',
    port: 8443,
    vantage: { kind: 'probe-namespace' },
    chain: [api.certPem, ca.certPem],
  }),
  evidence({
    id: 'b',
    ns: 'payments',
    name: 'api',
    port: 8443,
    vantage: { kind: 'from-namespace', namespace: 'web' },
    chain: [api.certPem, ca.certPem],
  }),
  evidence({
    id: 'c',
    ns: 'payments',
    name: 'api',
    port: 8443,
    vantage: { kind: 'probe-namespace' },
    chain: [api.certPem, ca.certPem],
  }),
  evidence({
    id: 'd',
    ns: 'legacy',
    name: 'old',
    port: 443,
    vantage: { kind: 'probe-namespace' },
    chain: [weak.certPem, ca.certPem],
  }),
  evidence({ id: 'e', ns: 'ops', name: 'admin', port: 9443, vantage: { kind: 'host' }, chain: [selfSigned.certPem] }),
  evidence({
    id: 'f',
    ns: 'meshprobe-run',
    name: 'echo',
    port: 8443,
    vantage: { kind: 'probe-namespace' },
    role: 'canary',
    chain: [mintCert({ cn: 'canary' }).certPem],
  }),
];

t.test('the inventory has one entry per distinct certificate, with deduplicated sorted sightings', async (t) => {
  // Given evidence where the same chain was seen three times (twice from the same vantage)
  // When the inventory is built with the CA as trust bundle
  const inv = buildCertificateInventory(EVIDENCE, { now: NOW, expiryWarningDays: 30, trustPem: ca.certPem });
  // Then every certificate appears once (canary left out), sorted by subject
  t.same(
    inv.map((e) => e.facts.subject),
    ['CN=admin', 'CN=api.payments', 'CN=inventory CA', 'CN=legacy'],
  );
  const apiEntry = inv.find((e) => e.facts.subject === 'CN=api.payments');
  t.same(apiEntry?.seenAt, [
    { target: 'Service/payments/api', port: 8443, vantage: 'from-namespace:web' },
    { target: 'Service/payments/api', port: 8443, vantage: 'probe-namespace' },
  ]);
  t.same(apiEntry?.findings, [], 'a trusted RSA-2048 leaf has no findings');
  t.same(
    inv.find((e) => e.facts.subject === 'CN=inventory CA')?.seenAt.length,
    3,
    'the CA was seen behind both services, from every vantage',
  );
  t.same(
    inv.find((e) => e.facts.subject === 'CN=legacy')?.findings.map((f) => f.code),
    ['KEY_TOO_SMALL'],
  );
  t.same(
    inv.find((e) => e.facts.subject === 'CN=admin')?.findings.map((f) => f.code),
    ['CERT_SELF_SIGNED', 'CERT_UNTRUSTED'],
  );
  t.match(
    inv.find((e) => e.facts.subject === 'CN=admin')?.findings[0]?.message,
    /^The certificate "CN=admin" is served as a self-signed leaf/,
  );
});

t.test('the inventory is deterministic: evidence order does not matter', async (t) => {
  const opts = { now: NOW, expiryWarningDays: 30, trustPem: ca.certPem };
  t.same(buildCertificateInventory([...EVIDENCE].reverse(), opts), buildCertificateInventory(EVIDENCE, opts));
});

t.test('without a trust bundle nothing is called untrusted, and a CA is not judged as a leaf', async (t) => {
  const inv = buildCertificateInventory(EVIDENCE, { now: NOW, expiryWarningDays: 30 });
  t.same(
    inv.find((e) => e.facts.subject === 'CN=admin')?.findings.map((f) => f.code),
    ['CERT_SELF_SIGNED'],
  );
  t.same(inv.find((e) => e.facts.subject === 'CN=inventory CA')?.findings, []);
});

t.test('an unparseable certificate is kept in the inventory with its reason', async (t) => {
  const broken = '-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n';
  const inv = buildCertificateInventory(
    [evidence({ id: 'x', ns: 'n', name: 's', port: 1, vantage: { kind: 'host' }, chain: [broken] })],
    { now: NOW, expiryWarningDays: 30 },
  );
  t.equal(inv.length, 1);
  t.equal(inv[0]?.facts.parsed, false);
  t.same(
    inv[0]?.findings.map((f) => f.code),
    ['CERT_UNPARSEABLE'],
  );
});

t.test('certificates.csv reads back with an RFC 4180 reader, one row per entry', async (t) => {
  // Given the inventory (with a subject that looks like a formula and a SAN with a comma and quotes)
  const inv = buildCertificateInventory(EVIDENCE, { now: NOW, expiryWarningDays: 30, trustPem: ca.certPem });
  // When it is rendered and read back
  const csv = renderCertificatesCsv(inv);
  const rows = readCsv(csv);
  // Then the header and every field survive, and formula-like cells are neutralised
  t.same(rows[0], [...CERTIFICATE_CSV_COLUMNS]);
  t.equal(rows.length, inv.length + 1);
  const col = (name: string): number =>
    CERTIFICATE_CSV_COLUMNS.indexOf(name as (typeof CERTIFICATE_CSV_COLUMNS)[number]);
  const weakRow = rows.find((r) => r[col('subject')] === 'CN=legacy');
  t.equal(
    weakRow?.[col('san_dns')],
    `'=1+2 legacy, "quoted"`,
    'the formula-like cell is prefixed; comma and quotes survive',
  );
  t.equal(weakRow?.[col('key_bits')], '1024');
  t.equal(weakRow?.[col('worst_severity')], 'fail');
  t.equal(weakRow?.[col('fingerprint_sha256')], fingerprintOfPem(weak.certPem));
  const apiRow = rows.find((r) => r[col('subject')] === 'CN=api.payments');
  t.equal(
    apiRow?.[col('seen_at')],
    'Service/payments/api:8443@from-namespace:web; Service/payments/api:8443@probe-namespace',
  );
  t.equal(apiRow?.[col('worst_severity')], 'none');
  t.ok(csv.endsWith('\r\n') && !/[^\r]\n/.test(csv), 'CRLF line endings only');
});

t.test('csvCell quotes separators and neutralises formula prefixes', async (t) => {
  t.equal(csvCell('plain'), 'plain');
  t.equal(csvCell('a,b'), '"a,b"');
  t.equal(csvCell('say "hi"'), '"say ""hi"""');
  t.equal(csvCell('+1'), "'+1");
  t.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  t.equal(renderCertificatesCsv([]), `${CERTIFICATE_CSV_COLUMNS.join(',')}\r\n`);
});
