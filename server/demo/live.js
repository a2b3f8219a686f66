// The live issuer page: creates a pre-authorized offer through this server's API, shows its QR code
// (rendered by the npm package's browser build) and follows the offer through its server-sent events.
//
// The API token lives in this module's memory only. EventSource cannot send an Authorization header,
// so the stream is read with fetch and a body reader; a broken stream is resumed with Last-Event-ID,
// after the status endpoint has refreshed the view.

import { renderQrSvg } from './credoffer/index.js';

const OFFERS = '/v1/openid/offers/pre-authorized';
/** Waits between reconnection attempts, doubling up to the last. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000];
const TERMINAL = new Set(['offer.redeemed', 'offer.invalidated', 'offer.deleted', 'offer.expired']);

const $ = (id) => document.getElementById(id);

let apiToken = '';
/** The offer being followed; replaced (and its stream aborted) when another is created. */
let followed = null;

/** An API refusal: MATTR's `{code, message, details?}` or the token endpoint's OAuth body. */
class ApiError extends Error {
  constructor(status, body) {
    const details = (body?.details ?? []).map((detail) => `${detail.param}: ${detail.msg}`);
    super([`${status} ${body?.code ?? 'error'}: ${body?.message ?? 'no message'}`, ...details].join('; '));
    this.status = status;
  }
}

async function api(method, path, { body, headers = {}, signal } = {}) {
  const response = await fetch(path, {
    method,
    signal,
    headers: {
      authorization: `Bearer ${apiToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (!response.ok) {
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    throw new ApiError(response.status, parsed);
  }
  return response;
}

/** The sentence the page shows for an event (the stream's `data`). */
function describeEvent(event) {
  const left = event.data?.failedAttemptsLeft;
  const attempts = left === 1 ? '1 attempt left' : `${left} attempts left`;
  switch (event.type) {
    case 'offer.created':
      return 'waiting for the wallet';
    case 'offer.fetched':
      return `fetched (${event.data.fetchCount})`;
    case 'offer.tx_code_rejected':
      return `wrong code, ${attempts}`;
    case 'offer.redeemed':
      return 'issued';
    case 'offer.replay_attempted':
      return 'issued; the code was presented again and refused';
    case 'offer.invalidated':
      return 'invalidated: too many wrong codes';
    case 'offer.deleted':
      return 'deleted';
    case 'offer.expired':
      return 'expired';
    default:
      return event.type;
  }
}

/** The sentence for a status (GET …/{id}), before any event is known. */
function describeStatus(status) {
  switch (status.state) {
    case 'active':
      return status.fetchCount > 0 ? `fetched (${status.fetchCount})` : 'waiting for the wallet';
    case 'redeemed':
      return 'issued';
    case 'invalidated':
      return 'invalidated: too many wrong codes';
    default:
      return status.state;
  }
}

/**
 * The events of a `text/event-stream` body, as `{id, event, data}` (the HTML Standard's parsing: lines
 * end in CR, LF or CRLF; a blank line dispatches; comments and unknown fields are skipped).
 */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let fields = { id: undefined, event: 'message', data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A CR at the very end may be half of a CRLF: it waits for the next chunk.
      const end = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(end);
      for (const line of lines) {
        if (line === '') {
          if (fields.data.length > 0) yield { id: fields.id, event: fields.event, data: fields.data.join('\n') };
          fields = { id: undefined, event: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) text = text.slice(1);
        if (name === 'data') fields.data.push(text);
        else if (name === 'event') fields.event = text;
        else if (name === 'id' && !text.includes('\0')) fields.id = text;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function setState(text) {
  // Only real changes: a screen reader announces every change of a live region.
  if ($('state').textContent !== text) $('state').textContent = text;
}

function showStatus(status) {
  $('fetch-count').textContent = String(status.fetchCount);
  $('attempts-left').textContent = String(status.failedAttemptsLeft);
  $('expires-at').textContent = new Date(status.expiresAt).toLocaleString();
}

function showError(element, error) {
  element.textContent = error instanceof ApiError ? error.message : String(error);
  element.hidden = false;
}

/** Follows one offer until its terminal event, another offer replaces it, or the server refuses. */
class Follower {
  constructor(id) {
    this.id = id;
    this.abort = new AbortController();
    this.lastEventId = undefined;
    this.seen = new Set();
  }

  stop() {
    this.abort.abort();
  }

  get active() {
    return followed === this && !this.abort.signal.aborted;
  }

  async run() {
    let failures = 0;
    while (this.active) {
      try {
        await this.refreshStatus();
        if (await this.readStream()) return;
        failures = 0;
      } catch (error) {
        if (!this.active) return;
        // A refusal (bad token, unknown offer) will not heal by retrying.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          $('connection').textContent = 'stopped';
          showError($('offer-error'), error);
          return;
        }
        failures += 1;
      }
      $('connection').textContent = 'reconnecting';
      const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)];
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async refreshStatus() {
    const status = await (await api('GET', `${OFFERS}/${this.id}`, { signal: this.abort.signal })).json();
    if (!this.active) return;
    showStatus(status);
    if (this.seen.size === 0) setState(describeStatus(status));
  }

  /** Reads the stream until it ends; true when it ended after a terminal event. */
  async readStream() {
    const headers = { accept: 'text/event-stream' };
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
    const response = await api('GET', `${OFFERS}/${this.id}/events`, { headers, signal: this.abort.signal });
    $('connection').textContent = 'live';
    let ended = false;
    for await (const message of serverSentEvents(response.body)) {
      if (!this.active) return true;
      if (message.id !== undefined) this.lastEventId = message.id;
      const event = JSON.parse(message.data);
      ended ||= TERMINAL.has(event.type);
      this.show(event);
    }
    if (ended) $('connection').textContent = 'ended';
    return ended;
  }

  show(event) {
    // Last-Event-ID makes the server skip what was seen; this guards the view all the same.
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    const text = describeEvent(event);
    setState(text);
    if (event.data?.fetchCount !== undefined) $('fetch-count').textContent = String(event.data.fetchCount);
    if (event.data?.failedAttemptsLeft !== undefined) {
      $('attempts-left').textContent = String(event.data.failedAttemptsLeft);
    }
    const item = document.createElement('li');
    item.dataset.id = event.id;
    item.dataset.type = event.type;
    item.textContent = `${new Date(event.timestamp).toLocaleTimeString()} ${event.type}: ${text}`;
    $('history').append(item);
    if (TERMINAL.has(event.type)) $('delete').disabled = true;
  }
}

function creationRequest() {
  const credentials = $('credentials').value.split(',').map((id) => id.trim()).filter(Boolean);
  const request = { credentials };
  const userId = $('user-id').value.trim();
  if (userId) request.userId = userId;
  const inputMode = $('tx-mode').value;
  if (inputMode !== 'none') {
    request.transactionCodeConfiguration = { inputMode, length: Number($('tx-length').value) };
  }
  return request;
}

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('create-error').hidden = true;
  $('create').disabled = true;
  apiToken = $('api-token').value.trim();
  try {
    const body = creationRequest();
    const offer = await (await api('POST', OFFERS, { body })).json();
    followed?.stop();
    $('offer-error').hidden = true;
    $('history').replaceChildren();
    $('qr').innerHTML = renderQrSvg(offer.uri);
    $('uri').textContent = offer.uri;
    $('tx-code').textContent = offer.transactionCode ?? '';
    $('tx-code-line').hidden = offer.transactionCode === undefined;
    $('offer-id').textContent = offer.id;
    $('expires-at').textContent = new Date(offer.expiresAt).toLocaleString();
    $('state').textContent = '';
    $('connection').textContent = 'connecting';
    $('delete').disabled = false;
    $('offer').hidden = false;
    followed = new Follower(offer.id);
    followed.run();
  } catch (error) {
    showError($('create-error'), error);
  } finally {
    $('create').disabled = false;
  }
});

$('delete').addEventListener('click', async () => {
  if (!followed) return;
  $('offer-error').hidden = true;
  $('delete').disabled = true;
  try {
    await api('DELETE', `${OFFERS}/${followed.id}`);
  } catch (error) {
    showError($('offer-error'), error);
    $('delete').disabled = false;
  }
});

document.body.dataset.ready = 'true';
