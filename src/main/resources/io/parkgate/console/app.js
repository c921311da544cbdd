// parkgate operator console: plain JavaScript, no framework, nothing loaded from elsewhere.
//
// Every value that comes from the API is put into the page with textContent or as an attribute
// value, never as HTML: park IDs and remote addresses are chosen by whoever connects a controller.
// See docs/console.md.

const POLL_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const PAGE_SIZE = 50;
const EVENTS_PAGE = 50;
const KEY_STORAGE = 'parkgate.console.apiKey';
const PARK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const EVENT_LABELS = {
  'session.opened': 'Connected',
  'session.closed': 'Disconnected',
  'park.unresponsive': 'Unresponsive: a request timed out',
  'park.responsive': 'Responsive again',
  'park.flapping': 'Flapping: reconnecting too often',
  'controller.duplicate': 'Two controllers use this park ID',
};

const CLOSE_REASONS = {
  peer_closed: 'the controller closed the connection',
  idle: 'nothing received for three heartbeat intervals',
  hello_timeout: 'no hello within the deadline',
  admission_timeout: 'admission took too long',
  protocol_error: 'the controller broke the protocol',
  line_too_long: 'a line over the size limit',
  auth: 'the hello token was refused',
  takeover: 'a newer connection of the park took over',
  drain: 'the node was draining',
  server_stop: 'the node stopped',
  timeout_resync: 'a legacy gate lost its place after a timeout',
  slow_consumer: 'the controller did not read its socket',
  banned: 'the park is banned for flapping',
  error: 'an error on the connection',
};

const STATES = {online: 'online', unresponsive: 'unresponsive', flapping: 'flapping', offline: 'offline'};

// ---- the API -----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }

  describe() {
    if (this.status === 0) {
      return `${this.message}; retrying every ${POLL_MS / 1000} s`;
    }
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

async function api(path, key = sessionStorage.getItem(KEY_STORAGE)) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    let response;
    try {
      response = await fetch(path, {
        headers: {'Authorization': `Bearer ${key || ''}`, 'Accept': 'application/json'},
        cache: 'no-store',
        credentials: 'omit',
        signal: abort.signal,
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', abort.signal.aborted
        ? `the node did not answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'cannot reach the node');
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const code = body && typeof body.error === 'string' ? body.error : `HTTP_${response.status}`;
      const message = body && typeof body.message === 'string' ? body.message : (response.statusText || 'error');
      throw new ApiError(response.status, code, message, body);
    }
    if (body === null || typeof body !== 'object') {
      throw new ApiError(response.status, 'BAD_RESPONSE', 'the node answered something that is not JSON');
    }
    return body;
  } finally {
    clearTimeout(timer);
  }
}

const enc = encodeURIComponent;

// ---- small DOM helpers (text only) -------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

function setText(node, text) {
  const value = text === undefined || text === null ? '' : String(text);
  if (node.textContent !== value) {
    node.textContent = value;
  }
}

function show(node, visible) {
  if (node.hidden === visible) {
    node.hidden = !visible;
  }
}

/**
 * Brings parent's children in line with items, reusing the element of each key, so that a refresh
 * neither loses the keyboard focus nor re-announces unchanged rows.
 */
function syncChildren(parent, items, keyOf, build, update) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) {
    existing.set(child.dataset.key, child);
  }
  items.forEach((item, i) => {
    const key = String(keyOf(item));
    let node = existing.get(key);
    if (node) {
      existing.delete(key);
    } else {
      node = build(item);
      node.dataset.key = key;
    }
    update(node, item);
    if (parent.children[i] !== node) {
      parent.insertBefore(node, parent.children[i] || null);
    }
  });
  for (const stale of existing.values()) {
    stale.remove();
  }
}

function cells(tr, count) {
  while (tr.cells.length < count) {
    tr.appendChild(el(tr.cells.length === 0 ? 'th' : 'td'));
  }
  return Array.from(tr.cells);
}

// ---- formatting --------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

function parseTime(iso) {
  if (typeof iso !== 'string') {
    return null;
  }
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? null : t;
}

function localTime(iso) {
  const t = parseTime(iso);
  if (!t) {
    return iso ? String(iso) : '–';
  }
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

function ago(iso) {
  const t = parseTime(iso);
  if (!t) {
    return '–';
  }
  const s = Math.max(0, Math.round((Date.now() - t.getTime()) / 1000));
  if (s < 90) {
    return `${s} s ago`;
  }
  if (s < 90 * 60) {
    return `${Math.round(s / 60)} min ago`;
  }
  if (s < 36 * 3600) {
    return `${Math.round(s / 3600)} h ago`;
  }
  return `${Math.round(s / 86400)} d ago`;
}

function fillTime(node, iso, relative) {
  const t = parseTime(iso);
  setText(node, relative ? ago(iso) : localTime(iso));
  const attr = t ? t.toISOString() : '';
  if (node.dateTime !== attr) {
    node.dateTime = attr;
    node.title = t ? `${localTime(iso)} (${attr})` : '';
  }
}

function shortNode(id) {
  return typeof id === 'string' && id.length > 8 ? id.slice(0, 8) : (id || '–');
}

function money(amount, currency) {
  if (typeof amount !== 'number') {
    return String(amount);
  }
  try {
    return new Intl.NumberFormat(undefined, {style: 'currency', currency: String(currency)}).format(amount / 100);
  } catch (e) {
    return `${(amount / 100).toFixed(2)} ${currency || ''}`.trim();
  }
}

function parkState(item) {
  if (typeof item.state === 'string' && STATES[item.state]) {
    return item.state;
  }
  if (item.flapping) {
    return 'flapping';
  }
  return item.responsive === false ? 'unresponsive' : 'online';
}

function stateBadge(node, state) {
  const known = STATES[state] ? state : 'unknown';
  const className = `state state-${known}`;
  if (node.className !== className) {
    node.className = className;
  }
  setText(node, state || 'unknown');
}

function reasonText(reason) {
  const why = CLOSE_REASONS[reason];
  return why ? `${reason}: ${why}` : String(reason);
}

// ---- state -------------------------------------------------------------------------------------

const session = {me: null};
const list = {prefix: '', cursors: [null], next: null};
const park = {id: null, events: new Map(), older: null, olderLoaded: false};
let route = {view: 'signin'};
let pollTimer = null;
let generation = 0;

function hasScope(scope) {
  return !!(session.me && Array.isArray(session.me.scopes) && session.me.scopes.includes(scope));
}

// ---- errors ------------------------------------------------------------------------------------

function banner(text) {
  const node = $('banner');
  setText(node, text);
  show(node, !!text);
}

/** An error from a refresh or a click: shown in the page, never thrown to the browser console. */
function report(err, where) {
  if (err instanceof ApiError && err.status === 401) {
    signOut('The node refused the key (401 UNAUTHORIZED). Sign in again.');
    return;
  }
  const text = err instanceof ApiError ? err.describe() : `console error: ${err && err.message ? err.message : err}`;
  if (where) {
    setText(where, text);
  } else {
    banner(text);
  }
}

// ---- sign-in -----------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const input = $('api-key');
  const key = input.value.trim();
  const error = $('signin-error');
  setText(error, '');
  if (!key) {
    setText(error, 'Enter an API key.');
    input.focus();
    return;
  }
  const button = $('signin-submit');
  button.disabled = true;
  try {
    const me = await api('/api/v1/me', key);
    if (!Array.isArray(me.scopes) || !me.scopes.includes('parks:read')) {
      setText(error, `The key ${me.name ? `"${me.name}" ` : ''}lacks the scope parks:read, which the console needs.`);
      input.focus();
      return;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    input.value = '';
    session.me = me;
    showWho();
    navigate(true);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setText(error, 'Unknown API key (401 UNAUTHORIZED).');
    } else {
      setText(error, err instanceof ApiError ? err.describe() : String(err));
    }
    input.focus();
  } finally {
    button.disabled = false;
  }
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  session.me = null;
  stopPolling();
  show($('who'), false);
  banner('');
  setText($('signin-error'), message || '');
  showView('signin');
  $('api-key').focus();
}

function showWho() {
  const me = session.me;
  const name = me.name === null || me.name === undefined
    ? 'no API keys configured (development mode)' : `signed in as ${me.name}`;
  setText($('who-name'), `${name} · ${(me.scopes || []).join(', ')}`);
  show($('who'), true);
}

async function resume() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (!key) {
    signOut('');
    return;
  }
  try {
    session.me = await api('/api/v1/me', key);
    showWho();
    navigate(false);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut('The node no longer accepts the key (401 UNAUTHORIZED). Sign in again.');
    } else {
      showView('signin');
      setText($('signin-error'), err instanceof ApiError ? err.describe() : String(err));
    }
  }
}

// ---- routing and polling -----------------------------------------------------------------------

function parseRoute() {
  const hash = location.hash || '#/';
  const match = /^#\/parks\/([^/?]+)$/.exec(hash);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch (e) {
      id = null;
    }
    return {view: 'park', parkId: id};
  }
  return {view: 'overview'};
}

function showView(view) {
  for (const name of ['signin', 'overview', 'park']) {
    show($(`view-${name}`), name === view);
  }
}

function navigate(moveFocus) {
  if (!session.me) {
    return;
  }
  route = parseRoute();
  banner('');
  if (route.view === 'park') {
    openPark(route.parkId);
  } else {
    document.title = 'parkgate console';
  }
  showView(route.view);
  if (moveFocus) {
    $(route.view === 'park' ? 'park-title' : 'overview-title').focus();
  }
  refreshNow();
}

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
  generation++;
}

function refreshNow() {
  stopPolling();
  tick();
}

async function tick() {
  pollTimer = null;
  if (!session.me || document.hidden) {
    return;
  }
  const mine = ++generation;
  try {
    if (route.view === 'park') {
      await refreshPark(mine);
    } else {
      await refreshOverview(mine);
    }
    if (mine === generation) {
      setText($('updated'), `Updated ${localTime(new Date().toISOString())}.`);
    }
  } catch (err) {
    if (mine === generation) {
      report(err);
    }
  } finally {
    if (mine === generation && session.me && !document.hidden) {
      pollTimer = setTimeout(tick, POLL_MS);
    }
  }
}

// ---- overview ----------------------------------------------------------------------------------

function parksPath() {
  let path = `/api/v1/parks?limit=${PAGE_SIZE}`;
  if (list.prefix) {
    path += `&prefix=${enc(list.prefix)}`;
  }
  const after = list.cursors[list.cursors.length - 1];
  if (after) {
    path += `&after=${enc(after)}`;
  }
  return path;
}

async function refreshOverview(mine) {
  const [cluster, parks] = await Promise.allSettled([api('/api/v1/cluster'), api(parksPath())]);
  if (mine !== generation) {
    return;
  }
  const failed = [cluster, parks].find((r) => r.status === 'rejected');
  if (cluster.status === 'fulfilled') {
    renderCluster(cluster.value);
  }
  if (parks.status === 'fulfilled') {
    renderParks(parks.value);
    setText($('parks-error'), '');
  } else {
    report(parks.reason, $('parks-error'));
  }
  if (failed) {
    throw failed.reason;
  }
  banner('');
}

function renderCluster(body) {
  const totals = body.totals || {};
  setText($('total-online'), totals.online ?? '–');
  setText($('total-unresponsive'), totals.unresponsive ?? '–');
  setText($('total-flapping'), totals.flapping ?? '–');
  const nodes = Array.isArray(body.nodes) ? body.nodes : [];
  syncChildren($('nodes').tBodies[0], nodes, (n) => n.node, () => el('tr'), (tr, n) => {
    const [name, ready, parks, unresponsive] = cells(tr, 4);
    name.scope = 'row';
    setText(name, `${shortNode(n.node)}${n.self ? ' (this node)' : ''}`);
    if (name.title !== String(n.node)) {
      name.title = String(n.node);
    }
    // a node that did not answer this node in time is listed, unreachable, rather than left out
    const readiness = n.reachable === false ? 'unreachable'
      : (n.draining ? 'draining' : (n.ready ? 'ready' : 'not ready'));
    setText(ready, readiness);
    ready.className = readiness === 'ready' ? 'ok' : 'warn';
    setText(parks, n.parks ?? '–');
    setText(unresponsive, n.unresponsive ?? '–');
    parks.className = 'num';
    unresponsive.className = 'num';
  });
}

function renderParks(body) {
  const items = Array.isArray(body.items) ? body.items : [];
  list.next = typeof body.next === 'string' ? body.next : null;
  syncChildren($('parks').tBodies[0], items, (p) => p.parkId, buildParkRow, updateParkRow);
  const page = list.cursors.length - 1;
  const first = page * PAGE_SIZE + 1;
  const total = typeof body.total === 'number' ? body.total : null;
  const of = total === null ? '' : ` of ${total.toLocaleString()}`;
  setText($('page-info'), items.length ? `Parks ${first}–${first + items.length - 1}${of}` : `Page ${page + 1}${of}`);
  const empty = $('parks-empty');
  setText(empty, list.prefix ? `No online park ID starts with “${list.prefix}”.` : 'No park is online.');
  show(empty, items.length === 0);
  $('page-prev').disabled = page === 0;
  $('page-next').disabled = list.next === null;
}

function buildParkRow() {
  const tr = el('tr');
  const th = el('th');
  th.scope = 'row';
  th.appendChild(el('a'));
  tr.appendChild(th);
  for (let i = 0; i < 6; i++) {
    tr.appendChild(el('td'));
  }
  tr.cells[3].appendChild(el('time'));
  tr.cells[4].appendChild(el('time'));
  tr.cells[5].className = 'num';
  tr.cells[6].appendChild(el('span'));
  return tr;
}

function updateParkRow(tr, p) {
  const [parkCell, node, protocol, connected, seen, inFlight, state] = Array.from(tr.cells);
  const link = parkCell.firstChild;
  const href = `#/parks/${enc(p.parkId)}`;
  if (link.getAttribute('href') !== href) {
    link.setAttribute('href', href);
  }
  setText(link, p.parkId);
  setText(node, shortNode(p.node));
  if (node.title !== String(p.node)) {
    node.title = String(p.node);
  }
  setText(protocol, p.protocol ?? '–');
  fillTime(connected.firstChild, p.connectedAt, false);
  fillTime(seen.firstChild, p.lastSeenAt, true);
  setText(inFlight, p.inFlight ?? '–');
  stateBadge(state.firstChild, parkState(p));
}

function search(event) {
  event.preventDefault();
  list.prefix = $('search-prefix').value.trim();
  list.cursors = [null];
  refreshNow();
}

function page(delta) {
  if (delta > 0 && list.next) {
    list.cursors.push(list.next);
  } else if (delta < 0 && list.cursors.length > 1) {
    list.cursors.pop();
  } else {
    return;
  }
  refreshNow();
}

// ---- one park ----------------------------------------------------------------------------------

function openPark(id) {
  if (park.id !== id) {
    park.id = id;
    park.events = new Map();
    park.older = null;
    park.olderLoaded = false;
    $('events').replaceChildren();
    $('park-status').replaceChildren();
    $('payments').tBodies[0].replaceChildren();
    setText($('fee-result'), '');
    for (const name of ['park-error', 'events-error', 'payments-error']) {
      setText($(name), '');
    }
  }
  setText($('park-title'), `Park ${id ?? '(invalid)'}`);
  document.title = `${id} · parkgate console`;
  show($('fee-box'), hasScope('fee:read'));
  show($('payments-box'), hasScope('payment:read'));
}

async function refreshPark(mine) {
  const id = park.id;
  if (id === null || !PARK_ID.test(id)) {
    setText($('park-error'), 'This is not a valid park ID.');
    return;
  }
  const base = `/api/v1/parks/${enc(id)}`;
  const calls = [
    api(base).catch((err) => {
      if (err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND') {
        return Object.assign({online: false}, err.body || {});
      }
      throw err;
    }),
    api(`${base}/events?limit=${EVENTS_PAGE}`),
  ];
  if (hasScope('payment:read')) {
    calls.push(api(`${base}/payments?state=accepted,sent&limit=50`));
  }
  const [status, events, payments] = await Promise.allSettled(calls);
  if (mine !== generation || park.id !== id) {
    return;
  }
  section(status, $('park-error'), renderStatus);
  section(events, $('events-error'), (body) => {
    mergeEvents(body);
    if (!park.olderLoaded) {
      park.older = body.next ?? null;
    }
  });
  if (payments) {
    section(payments, $('payments-error'), renderPayments);
  }
  const network = [status, events, payments].find((r) => r && r.status === 'rejected'
    && r.reason instanceof ApiError && (r.reason.status === 0 || r.reason.status >= 500));
  banner(network ? network.reason.describe() : '');
}

function section(result, errorNode, render) {
  if (result.status === 'fulfilled') {
    setText(errorNode, '');
    render(result.value);
  } else {
    report(result.reason, errorNode);
  }
}

function renderStatus(s) {
  const facts = [];
  const state = s.online === false ? 'offline' : parkState(s);
  facts.push(['State', state]);
  if (s.online === false) {
    const close = s.lastClose;
    if (close && typeof close === 'object') {
      facts.push(['Disconnected', `${localTime(close.at)} (${ago(close.at)})`]);
      facts.push(['Close reason', reasonText(close.reason)]);
      if (close.detail) {
        facts.push(['Detail', close.detail]);
      }
      if (close.remoteAddress) {
        facts.push(['From', close.remoteAddress]);
      }
      if (close.node) {
        facts.push(['On node', close.node]);
      }
    } else {
      facts.push(['Close reason', 'no close recorded']);
    }
  } else {
    facts.push(['Node', s.node ?? '–']);
    facts.push(['Protocol', s.protocol ?? '–']);
    facts.push(['Remote address', s.remoteAddress ?? '–']);
    facts.push(['Connected since', `${localTime(s.connectedAt)} (${ago(s.connectedAt)})`]);
    facts.push(['Last seen', ago(s.lastSeenAt)]);
    facts.push(['In flight', s.inFlight ?? '–']);
    facts.push(['Session epoch', s.epoch ?? '–']);
  }
  if (s.flapping) {
    facts.push(['Flapping', 'yes: more sessions per minute than allowed']);
  }
  const dup = s.duplicateController;
  if (dup && typeof dup === 'object') {
    const addresses = Array.isArray(dup.addresses) ? dup.addresses.join(' and ') : '?';
    facts.push(['Duplicate controller', `${addresses}, last at ${localTime(dup.at)}`]);
  }
  const entries = facts.flatMap(([label, value]) => [
    {key: `t:${label}`, tag: 'dt', label, text: label},
    {key: `d:${label}`, tag: 'dd', label, text: value},
  ]);
  syncChildren($('park-status'), entries, (x) => x.key, (x) => el(x.tag), (node, x) => {
    if (x.key === 'd:State') {
      stateBadge(node, x.text);
    } else {
      if (x.key === 'd:Close reason' || x.key === 'd:Duplicate controller') {
        node.className = 'reason';
      }
      setText(node, x.text);
    }
  });
}

function mergeEvents(body) {
  const items = Array.isArray(body.items) ? body.items : [];
  for (const e of items) {
    if (typeof e.seq === 'number') {
      park.events.set(e.seq, e);
    }
  }
  const sorted = Array.from(park.events.values()).sort((a, b) => b.seq - a.seq);
  syncChildren($('events'), sorted, (e) => e.seq, buildEvent, updateEvent);
  show($('events-empty'), sorted.length === 0);
  show($('events-older'), park.older !== null && park.older !== undefined);
}

function buildEvent() {
  const li = el('li', 'event');
  li.appendChild(el('time'));
  li.appendChild(el('span', 'type'));
  li.appendChild(el('span', 'reason'));
  li.appendChild(el('span', 'detail'));
  return li;
}

function updateEvent(li, e) {
  const [time, type, reason, detail] = Array.from(li.children);
  fillTime(time, e.at, false);
  const closed = e.type === 'session.closed';
  li.classList.toggle('event-closed', closed);
  setText(type, EVENT_LABELS[e.type] || e.type);
  setText(reason, e.reason ? reasonText(e.reason) : '');
  show(reason, !!e.reason);
  const parts = [];
  if (e.count > 1) {
    parts.push(`×${e.count}`);
  }
  if (e.detail) {
    parts.push(e.detail);
  }
  if (e.remoteAddress) {
    parts.push(`from ${e.remoteAddress}`);
  }
  if (e.protocol) {
    parts.push(e.protocol);
  }
  if (e.node) {
    parts.push(`node ${shortNode(e.node)}`);
  }
  setText(detail, parts.join(' · '));
}

async function loadOlder() {
  const id = park.id;
  const button = $('events-older');
  if (park.older === null) {
    return;
  }
  button.disabled = true;
  try {
    const body = await api(`/api/v1/parks/${enc(id)}/events?limit=${EVENTS_PAGE}&before=${enc(park.older)}`);
    if (park.id !== id) {
      return;
    }
    park.olderLoaded = true;
    park.older = body.next ?? null;
    mergeEvents(body);
    setText($('events-error'), '');
  } catch (err) {
    report(err, $('events-error'));
  } finally {
    button.disabled = false;
  }
}

function renderPayments(body) {
  const items = Array.isArray(body.items) ? body.items : [];
  syncChildren($('payments').tBodies[0], items, (p) => p.paymentId, () => el('tr'), (tr, p) => {
    const [id, state, amount, attempts, accepted, valid] = cells(tr, 6);
    id.scope = 'row';
    setText(id, p.paymentId);
    setText(state, p.state);
    setText(amount, money(p.amount, p.currency || 'CNY'));
    setText(attempts, p.attempts ?? 0);
    amount.className = 'num';
    attempts.className = 'num';
    setText(accepted, localTime(p.acceptedAt));
    setText(valid, localTime(p.validUntil));
  });
  show($('payments-empty'), items.length === 0);
}

async function queryFee() {
  const id = park.id;
  const button = $('fee-button');
  const out = $('fee-result');
  button.disabled = true;
  setText(out, 'Asking the gate…');
  try {
    const fee = await api(`/api/v1/parks/${enc(id)}/fee`);
    if (park.id === id) {
      const extra = [fee.plate ? `plate ${fee.plate}` : '', fee.enteredAt ? `entered ${localTime(fee.enteredAt)}` : '']
        .filter(Boolean).join(', ');
      setText(out, `Fee: ${money(fee.amount, fee.currency)} (${fee.amount} minor units)${extra ? `; ${extra}` : ''}`);
    }
  } catch (err) {
    if (park.id === id) {
      report(err, out);
    }
  } finally {
    button.disabled = false;
  }
}

// ---- wiring ------------------------------------------------------------------------------------

function start() {
  $('signin-form').addEventListener('submit', (e) => { signIn(e); });
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('search-form').addEventListener('submit', search);
  $('page-prev').addEventListener('click', () => page(-1));
  $('page-next').addEventListener('click', () => page(1));
  $('fee-button').addEventListener('click', () => { queryFee(); });
  $('events-older').addEventListener('click', () => { loadOlder(); });
  window.addEventListener('hashchange', () => navigate(true));
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      stopPolling();
    } else if (session.me) {
      refreshNow();
    }
  });
  resume();
}

start();
