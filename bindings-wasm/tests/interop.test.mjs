// Interop with the JavaScript libraries wallets and issuers use:
//   @openid4vc/openid4vci   Openid4vciClient.resolveCredentialOffer, Openid4vciIssuer.createCredentialOffer
//   @sphereon/oid4vci-*     CredentialOfferClient.fromURI, createCredentialOfferURI(FromObject)
// Offers credoffer builds (every dialect, several bases) must be read by both peers with the same issuer, ids
// and grants; offers the peers build must parse in credoffer to the values they put in.
//
// Where a peer fails on a valid offer because of its own bug, the case is in PEER_BUGS with the reason, and
// the test checks that the peer still fails (so a fixed peer shows up as a failure to clean up here).
// Nothing here touches the network: references are served from 127.0.0.1 or from an in-memory fetch.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { Openid4vciClient, Openid4vciIssuer, Openid4vciVersion } from '@openid4vc/openid4vci';
import { CredentialOfferClient } from '@sphereon/oid4vci-client';
import { createCredentialOfferURI, createCredentialOfferURIFromObject } from '@sphereon/oid4vci-issuer';
import * as credoffer from 'credoffer';
import { openid4vcCallbacks as callbacks } from './peers.mjs';

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const ISSUER = 'https://issuer.example.com';
const DIALECTS = ['1.0', 'mattr', 'draft13', 'draft11'];
const BASES = ['openid-credential-offer://', 'haip-vci://', 'https://wallet.example.com/offer'];

/** Peer cases that fail because of the peer: why, and the error that shows it. Keys are `${peer}: ${case}`. */
const PEER_BUGS = {
  'openid4vci: percent sign in a value': {
    reason:
      'resolveCredentialOffer decodes twice (URLSearchParams, then decodeURIComponent): a literal "%" in any ' +
      'string of the offer (here "100% secure") makes the second decode throw.',
    error: /credential_offer|URI malformed/,
  },
  'sphereon: percent sign in a value, by reference': {
    reason:
      'after fetching a credential_offer_uri, decodeJsonProperties runs decodeURIComponent over every string of ' +
      'the offer JSON, so a literal "%" (here "100% secure") throws a URIError.',
    error: /URI malformed/,
  },
  'sphereon: escaped character in the reference, by reference': {
    reason:
      'the reference is decoded a second time when it still contains a %XX escape, so /offers/a%2Fb is fetched ' +
      'as /offers/a/b, another resource (here a 404).',
    error: /404/,
  },
};

/** Offers credoffer builds, as plain 1.0 objects (draft 11 takes only numeric codes of up to 8 digits). */
function sampleOffers() {
  return [
    {
      name: 'both grants, numeric code',
      offer: {
        credential_issuer: ISSUER,
        credential_configuration_ids: ['org.iso.18013.5.1.mDL', 'pid'],
        grants: {
          authorization_code: { issuer_state: 'state-1' },
          [PRE_AUTH]: { 'pre-authorized_code': 'oaKazRN8I0IbtZ0C7JuMn5', tx_code: { length: 6, input_mode: 'numeric', description: 'Code sent by e-mail' } },
        },
      },
    },
    {
      name: 'pre-authorized, reserved characters',
      offer: {
        credential_issuer: `${ISSUER}/tenant-1`,
        credential_configuration_ids: ['UniversityDegree_JWT'],
        grants: { [PRE_AUTH]: { 'pre-authorized_code': 'a+b/c=d e&f?g' } },
      },
    },
    {
      name: 'authorization code only',
      offer: { credential_issuer: ISSUER, credential_configuration_ids: ['pid'], grants: { authorization_code: { issuer_state: 'eyJhbGciOiJSU0Et' } } },
    },
  ];
}

/** What every peer must agree on: issuer, ids, grant types, codes, issuer_state, whether a code is asked for. */
function essentials(offer) {
  const grants = offer.grants ?? {};
  return {
    issuer: offer.credential_issuer,
    ids: offer.credential_configuration_ids,
    grantTypes: Object.keys(grants).filter((g) => g === PRE_AUTH || g === 'authorization_code').sort(),
    preAuthorizedCode: grants[PRE_AUTH]?.['pre-authorized_code'],
    issuerState: grants.authorization_code?.issuer_state,
    asksForTxCode: Boolean(grants[PRE_AUTH]?.tx_code || grants[PRE_AUTH]?.user_pin_required),
  };
}

/** Runs a peer case; a case in PEER_BUGS must fail with its error, any other must pass. */
async function peerCase(key, run) {
  seenPeerCases.add(key);
  const bug = PEER_BUGS[key];
  if (bug === undefined) {
    await run();
    return;
  }
  await assert.rejects(async () => run(), bug.error, `${key} works now: remove it from PEER_BUGS`);
}

const seenPeerCases = new Set();
after(() => {
  for (const key of Object.keys(PEER_BUGS)) assert.ok(seenPeerCases.has(key), `PEER_BUGS names a case that never ran: ${key}`);
});

// ---------------------------------------------------------------------------------------------------------
// credoffer builds, peers read

for (const { name, offer } of sampleOffers()) {
  for (const dialect of DIALECTS) {
    for (const base of BASES) {
      const label = `${name}, ${dialect}, ${base}`;
      const dialectOffer =
        dialect === 'draft11' && offer.grants?.[PRE_AUTH]?.tx_code
          ? { ...offer, grants: { ...offer.grants, [PRE_AUTH]: { ...offer.grants[PRE_AUTH], tx_code: { length: 6 } } } }
          : offer;
      const uri = credoffer.buildOfferUri(dialectOffer, { dialect, base });

      test(`openid4vci reads credoffer's offer: ${label}`, async () => {
        await peerCase(`openid4vci: ${label}`, async () => {
          const read = await new Openid4vciClient({ callbacks }).resolveCredentialOffer(uri);
          assert.deepEqual(essentials(read), essentials(offer));
          if (dialect !== 'draft11') assert.deepEqual(read.grants?.[PRE_AUTH]?.tx_code, offer.grants?.[PRE_AUTH]?.tx_code);
        });
      });

      test(`sphereon reads credoffer's offer: ${label}`, async () => {
        await peerCase(`sphereon: ${label}`, async () => {
          const read = await CredentialOfferClient.fromURI(uri);
          const received = read.credential_offer;
          const ids = received.credential_configuration_ids ?? received.credentials;
          assert.deepEqual(essentials({ ...received, credential_configuration_ids: ids }), essentials(offer));
          assert.equal(read.preAuthorizedCode, offer.grants?.[PRE_AUTH]?.['pre-authorized_code']);
          assert.equal(read.issuerState, offer.grants?.authorization_code?.issuer_state);
        });
      });
    }
  }
}

const percentOffer = {
  credential_issuer: ISSUER,
  credential_configuration_ids: ['org.iso.18013.5.1.mDL'],
  grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c0de', tx_code: { length: 6, description: '100% secure: see your e-mail' } } },
};

test('openid4vci reads a value with a percent sign', async () => {
  // credoffer itself round-trips it exactly.
  assert.deepEqual(credoffer.parseOfferUri(credoffer.buildOfferUri(percentOffer)).offer, percentOffer);
  await peerCase('openid4vci: percent sign in a value', async () => {
    const read = await new Openid4vciClient({ callbacks }).resolveCredentialOffer(credoffer.buildOfferUri(percentOffer));
    assert.deepEqual(read.grants[PRE_AUTH].tx_code, percentOffer.grants[PRE_AUTH].tx_code);
  });
});

test('sphereon reads a value with a percent sign, by value', async () => {
  await peerCase('sphereon: percent sign in a value', async () => {
    const read = await CredentialOfferClient.fromURI(credoffer.buildOfferUri(percentOffer));
    assert.deepEqual(read.credential_offer.grants[PRE_AUTH].tx_code, percentOffer.grants[PRE_AUTH].tx_code);
  });
});

// By reference: the offer JSON is served from 127.0.0.1 (Sphereon fetches with its own fetch), or handed to
// openid4vci through its fetch callback (it requires https URLs).
let server;
let origin;
const served = new Map();

before(async () => {
  server = createServer((request, response) => {
    const body = served.get(request.url);
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    response.end(body ?? '{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const referenceCases = [
  { name: 'both grants', path: '/offers/1', offer: sampleOffers()[0].offer },
  { name: 'percent sign in a value', path: '/offers/2', offer: percentOffer },
  { name: 'escaped character in the reference', path: '/offers/a%2Fb', offer: sampleOffers()[2].offer },
];

for (const { name, path, offer } of referenceCases) {
  test(`peers read credoffer's offer by reference: ${name}`, async () => {
    served.set(path, credoffer.buildOfferJson(offer));

    const httpsUri = credoffer.buildOfferReferenceUri(`${ISSUER}${path}`);
    const fetchFromMemory = async (url) => {
      const body = served.get(new URL(url).pathname);
      return new Response(body ?? '{}', { status: body ? 200 : 404, headers: { 'content-type': 'application/json' } });
    };
    await peerCase(`openid4vci: ${name}, by reference`, async () => {
      const client = new Openid4vciClient({ callbacks: { ...callbacks, fetch: fetchFromMemory } });
      assert.deepEqual(essentials(await client.resolveCredentialOffer(httpsUri)), essentials(offer));
    });

    const localUri = credoffer.buildOfferReferenceUri(`${origin}${path}`, { allowInsecureHttp: true });
    await peerCase(`sphereon: ${name}, by reference`, async () => {
      const read = await CredentialOfferClient.fromURI(localUri);
      assert.deepEqual(essentials(read.credential_offer), essentials(offer));
      assert.deepEqual(read.credential_offer.grants?.[PRE_AUTH]?.tx_code, offer.grants?.[PRE_AUTH]?.tx_code);
    });

    // credoffer: the reference comes back exactly, and the served JSON parses to the offer.
    assert.equal(credoffer.parseOfferUri(httpsUri).uri, `${ISSUER}${path}`);
    assert.deepEqual(credoffer.parseOfferJson(served.get(path)).offer, offer);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Peers build, credoffer reads

const metadata = {
  credential_issuer: ISSUER,
  credential_endpoint: `${ISSUER}/credential`,
  credential_configurations_supported: { 'org.iso.18013.5.1.mDL': { format: 'mso_mdoc', doctype: 'org.iso.18013.5.1.mDL' } },
};

const peerGrants = [
  { name: 'pre-authorized with a described code', grants: { [PRE_AUTH]: { 'pre-authorized_code': 'a b+c/d', tx_code: { length: 4, input_mode: 'numeric', description: 'see your mail' } } } },
  { name: 'authorization code', grants: { authorization_code: { issuer_state: 'x y' } } },
  { name: 'both grants', grants: { authorization_code: { issuer_state: 's1' }, [PRE_AUTH]: { 'pre-authorized_code': 'c0de' } } },
];

for (const { name, grants } of peerGrants) {
  for (const scheme of ['openid-credential-offer://', 'haip-vci://']) {
    test(`credoffer reads openid4vci's offer: ${name}, ${scheme}`, async () => {
      const issuer = new Openid4vciIssuer({ callbacks });
      const { credentialOffer, credentialOfferObject } = await issuer.createCredentialOffer({
        issuerMetadata: {
          originalDraftVersion: Openid4vciVersion.V1,
          credentialIssuer: metadata,
          authorizationServers: [{ issuer: ISSUER, token_endpoint: `${ISSUER}/token` }],
          knownCredentialConfigurations: {},
        },
        credentialConfigurationIds: ['org.iso.18013.5.1.mDL'],
        grants,
        credentialOfferScheme: scheme,
      });
      const parsed = credoffer.parseOfferUri(credentialOffer);
      assert.equal(parsed.kind, 'byValue');
      assert.deepEqual(parsed.offer, credentialOfferObject);
      // URLSearchParams writes spaces as '+': read as spaces, with a warning that wallets disagree.
      assert.deepEqual(
        parsed.warnings.map((w) => w.code),
        credentialOffer.includes('+') ? ['ambiguous_plus'] : [],
      );
    });
  }

  test(`credoffer reads sphereon's offer: ${name}`, () => {
    const offer = { credential_issuer: ISSUER, credential_configuration_ids: ['org.iso.18013.5.1.mDL'] };
    const uri = createCredentialOfferURI('VALUE', { ...metadata, credential_configurations_supported: metadata.credential_configurations_supported }, { credentialOffer: offer, grants });
    const parsed = credoffer.parseOfferUri(uri);
    assert.deepEqual(parsed.offer, { ...offer, grants });
    assert.deepEqual(parsed.warnings, []);

    const haip = createCredentialOfferURIFromObject({ credential_offer: { ...offer, grants } }, 'VALUE', { scheme: 'haip-vci' });
    assert.ok(haip.startsWith('haip-vci://'));
    assert.deepEqual(credoffer.parseOfferUri(haip).offer, { ...offer, grants });
  });
}

test("credoffer reads the peers' offers by reference", async () => {
  const reference = `${ISSUER}/offers/42?session=a&b=c`;
  const issuer = new Openid4vciIssuer({ callbacks });
  const { credentialOffer } = await issuer.createCredentialOffer({
    issuerMetadata: { originalDraftVersion: Openid4vciVersion.V1, credentialIssuer: metadata, authorizationServers: [], knownCredentialConfigurations: {} },
    credentialConfigurationIds: ['org.iso.18013.5.1.mDL'],
    grants: { [PRE_AUTH]: { 'pre-authorized_code': 'c0de' } },
    credentialOfferUri: reference,
  });
  assert.deepEqual(credoffer.parseOfferUri(credentialOffer), { kind: 'byReference', uri: reference, warnings: [] });

  const sphereon = createCredentialOfferURI('REFERENCE', metadata, { credentialOfferUri: reference });
  assert.equal(credoffer.parseOfferUri(sphereon).uri, reference);
});
