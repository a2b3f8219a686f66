// Speed of the credoffer package beside the JavaScript libraries wallets and issuers use, in one run.
//
//   node bench/bench.mjs [--rounds N] [--quick]     (cargo xtask wasm-bench builds the package first)
//
// Every measurement runs in a fresh node process (no JIT state or cache shared between contenders), warms
// up, calibrates a batch size, and times many batches; a process reports its median ns/op, and the table shows
// the median over rounds. Input: MATTR VII's documented pre-authorized offer URI (631 bytes), taken from the
// shared vectors.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openid4vcCallbacks as callbacks } from '../tests/peers.mjs';
import { OFFER, mattrUri } from './inputs.mjs';

/** Each contender: a setup returning the operation to time (sync or async). */
const contenders = {
  'parse: credoffer parseOfferUri': async () => {
    const { parseOfferUri } = await import('credoffer');
    const uri = mattrUri();
    return () => parseOfferUri(uri);
  },
  'parse: JSON.parse(decodeURIComponent(…))': async () => {
    const uri = mattrUri();
    return () => JSON.parse(decodeURIComponent(uri.slice(uri.indexOf('credential_offer=') + 17)));
  },
  'parse: @openid4vc/openid4vci resolveCredentialOffer': async () => {
    const { Openid4vciClient } = await import('@openid4vc/openid4vci');
    const client = new Openid4vciClient({ callbacks });
    const uri = mattrUri();
    return () => client.resolveCredentialOffer(uri);
  },
  'parse: @sphereon/oid4vci-client fromURI': async () => {
    const { CredentialOfferClient } = await import('@sphereon/oid4vci-client');
    const uri = mattrUri();
    return () => CredentialOfferClient.fromURI(uri);
  },
  'build: credoffer buildOfferUri': async () => {
    const { buildOfferUri } = await import('credoffer');
    return () => buildOfferUri(OFFER);
  },
  'build: encodeURIComponent(JSON.stringify(…))': async () => {
    return () => `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(OFFER))}`;
  },
  'build: @openid4vc/openid4vci createCredentialOffer': async () => {
    const { Openid4vciIssuer, Openid4vciVersion } = await import('@openid4vc/openid4vci');
    const issuer = new Openid4vciIssuer({ callbacks });
    const issuerMetadata = {
      originalDraftVersion: Openid4vciVersion.V1,
      credentialIssuer: {
        credential_issuer: OFFER.credential_issuer,
        credential_endpoint: `${OFFER.credential_issuer}/credential`,
        credential_configurations_supported: { [OFFER.credential_configuration_ids[0]]: { format: 'mso_mdoc', doctype: 'org.iso.18013.5.1.mDL' } },
      },
      authorizationServers: [],
      knownCredentialConfigurations: {},
    };
    const options = { issuerMetadata, credentialConfigurationIds: OFFER.credential_configuration_ids, grants: OFFER.grants };
    return () => issuer.createCredentialOffer(options);
  },
  'build: @sphereon/oid4vci-issuer createCredentialOfferURI': async () => {
    const { createCredentialOfferURI } = await import('@sphereon/oid4vci-issuer');
    const metadata = {
      credential_issuer: OFFER.credential_issuer,
      credential_endpoint: `${OFFER.credential_issuer}/credential`,
      credential_configurations_supported: { [OFFER.credential_configuration_ids[0]]: { format: 'mso_mdoc' } },
    };
    const { grants, ...offer } = OFFER;
    return () => createCredentialOfferURI('VALUE', metadata, { credentialOffer: offer, grants });
  },
};

/** In a child process: times one contender and prints its median ns/op. */
async function measure(name, quick) {
  const operation = await contenders[name]();
  const isAsync = operation() instanceof Promise;
  const runBatch = isAsync
    ? async (n) => {
        for (let i = 0; i < n; i++) await operation();
      }
    : async (n) => {
        for (let i = 0; i < n; i++) operation();
      };
  const time = async (n) => {
    const start = process.hrtime.bigint();
    await runBatch(n);
    return Number(process.hrtime.bigint() - start);
  };
  const batchNs = quick ? 5e6 : 50e6;
  // Warm up, then find a batch size that takes about batchNs.
  let n = 16;
  for (const deadline = Date.now() + (quick ? 50 : 400); Date.now() < deadline; ) await time(n);
  while ((await time(n)) < batchNs) n *= 2;
  const samples = [];
  for (let i = 0; i < (quick ? 3 : 15); i++) samples.push((await time(n)) / n);
  process.stdout.write(JSON.stringify({ name, ns: median(samples), batch: n }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 1 : 5;
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const name of Object.keys(contenders)) {
      const out = execFileSync(process.execPath, [script, '--measure', name, ...(quick ? ['--quick'] : [])], {
        encoding: 'utf8',
      });
      results[name].push(JSON.parse(out).ns);
    }
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
  const medians = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)]));
  const get = (prefix) => medians[Object.keys(medians).find((name) => name.startsWith(prefix))];

  console.log(`\nnode ${process.version}, ${rounds} rounds in fresh processes, median ns/op (lower is faster)\n`);
  for (const [name, ns] of Object.entries(medians)) {
    const spread = `${Math.round(Math.min(...results[name]))}–${Math.round(Math.max(...results[name]))}`;
    console.log(`  ${name.padEnd(58)} ${String(Math.round(ns)).padStart(8)}   (rounds ${spread})`);
  }
  const parse = get('parse: credoffer');
  const build = get('build: credoffer');
  // How many times faster credoffer is than each peer (the targets of the package's README, "Speed").
  const checks = [
    ['parseOfferUri / JSON.parse(decodeURIComponent(…))', parse / get('parse: JSON.parse'), '(no target)', () => true],
    ['resolveCredentialOffer / parseOfferUri', get('parse: @openid4vc') / parse, '≥ 1.5', (r) => r >= 1.5],
    ['fromURI / parseOfferUri', get('parse: @sphereon') / parse, '> 1', (r) => r > 1],
    ['createCredentialOffer / buildOfferUri', get('build: @openid4vc') / build, '≥ 2.5', (r) => r >= 2.5],
    ['createCredentialOfferURI / buildOfferUri', get('build: @sphereon') / build, '> 1', (r) => r > 1],
  ];
  console.log('\n  ratio                                                       value   target');
  for (const [label, ratio, target, ok] of checks) {
    console.log(`  ${label.padEnd(58)} ${ratio.toFixed(2).padStart(6)}   ${target} ${ok(ratio) ? 'met' : 'NOT met'}`);
  }
}

const measureArg = process.argv.indexOf('--measure');
if (measureArg >= 0) {
  await measure(process.argv[measureArg + 1], process.argv.includes('--quick'));
} else {
  main();
}
