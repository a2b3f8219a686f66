// The demo page: everything below runs in the browser, on the credoffer package's WebAssembly.

import {
  CredentialOfferError,
  buildOfferUri,
  generateIssuerState,
  generatePreAuthorizedCode,
  generateTxCode,
  parseOfferUri,
  renderQrSvg,
  wellKnownMetadataUrl,
} from '../pkg/web/index.js';

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const $ = (id) => document.getElementById(id);

function describe(error) {
  if (!(error instanceof CredentialOfferError)) return String(error);
  return `${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}`;
}

function showError(element, error) {
  element.textContent = describe(error);
  element.hidden = false;
}

$('grant').addEventListener('change', () => {
  $('tx-code-options').hidden = $('grant').value !== 'pre-authorized';
});

$('issuer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('issuer-error').hidden = true;
  $('offer').hidden = true;
  try {
    const ids = $('ids').value.split('\n').map((id) => id.trim()).filter(Boolean);
    const offer = { credential_issuer: $('issuer').value.trim(), credential_configuration_ids: ids };
    let txCode;
    if ($('grant').value === 'pre-authorized') {
      const grant = { 'pre-authorized_code': generatePreAuthorizedCode() };
      const inputMode = $('tx-mode').value;
      if (inputMode !== 'none') {
        const length = Number($('tx-length').value);
        txCode = generateTxCode({ inputMode, length });
        grant.tx_code = { input_mode: inputMode, length, description: 'The code we sent you separately' };
      }
      offer.grants = { [PRE_AUTH]: grant };
    } else {
      offer.grants = { authorization_code: { issuer_state: generateIssuerState() } };
    }
    const uri = buildOfferUri(offer, { dialect: $('dialect').value, base: $('base').value.trim() });
    $('qr').innerHTML = renderQrSvg(uri);
    $('uri').textContent = uri;
    $('tx-code').textContent = txCode ?? '';
    $('tx-code-line').hidden = txCode === undefined;
    $('offer').hidden = false;
  } catch (error) {
    showError($('issuer-error'), error);
  }
});

function addRow(list, term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

$('explain').addEventListener('click', () => {
  const list = $('explanation');
  list.replaceChildren();
  list.hidden = true;
  $('wallet-error').hidden = true;
  try {
    const parsed = parseOfferUri($('pasted').value);
    if (parsed.kind === 'byReference') {
      addRow(list, 'Offer', 'by reference: fetch it (once) from');
      addRow(list, 'URL', parsed.uri);
    } else {
      const { offer } = parsed;
      addRow(list, 'Shape', parsed.source);
      addRow(list, 'Issuer', offer.credential_issuer);
      addRow(list, 'Metadata at', wellKnownMetadataUrl(offer.credential_issuer));
      addRow(list, 'Credentials', offer.credential_configuration_ids.join(', '));
      const grants = offer.grants ?? {};
      addRow(list, 'Grants', Object.keys(grants).join(', ') || 'none (decide from the metadata)');
      if (grants.authorization_code?.issuer_state) addRow(list, 'Issuer state', grants.authorization_code.issuer_state);
      const prompt = parsed.txCodePrompt;
      if (prompt) {
        const length = prompt.length ?? (prompt.maxLength ? `up to ${prompt.maxLength}` : 'any');
        addRow(list, 'Ask the user for', `a ${prompt.inputMode} transaction code, length ${length}${prompt.description ? ` — “${prompt.description}”` : ''}`);
      } else if (grants[PRE_AUTH]) {
        addRow(list, 'Ask the user for', 'nothing: no transaction code');
      }
    }
    for (const warning of parsed.warnings) addRow(list, `Warning ${warning.code}`, warning.message);
    list.hidden = false;
  } catch (error) {
    showError($('wallet-error'), error);
  }
});

document.body.dataset.ready = 'true';
