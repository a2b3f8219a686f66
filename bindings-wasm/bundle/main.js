// A page as its author writes it: `credoffer` imported by name, and the bundler picks the browser build.
import { CredentialOfferError, buildOfferUri, parseOfferUri, renderQrSvg } from 'credoffer';

const offer = {
  credential_issuer: 'https://issuer.example.com',
  credential_configuration_ids: ['org.iso.18013.5.1.mDL'],
  grants: {
    'urn:ietf:params:oauth:grant-type:pre-authorized_code': {
      'pre-authorized_code': 'bundled-code-1',
      tx_code: { input_mode: 'numeric', length: 6 },
    },
  },
};

const uri = buildOfferUri(offer);
document.getElementById('qr').innerHTML = renderQrSvg(uri);
document.getElementById('uri').textContent = uri;
document.getElementById('parsed').textContent = JSON.stringify(parseOfferUri(uri));
try {
  parseOfferUri('openid-credential-offer://?credential_offer=%7B');
} catch (error) {
  document.getElementById('refused').textContent = error instanceof CredentialOfferError ? error.code : String(error);
}
document.body.dataset.ready = 'true';
