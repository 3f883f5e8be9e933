// gslbd status page, live: polls the JSON API every second and updates the server-rendered
// page in place (the markup api/ui_page.cc writes), and drives drain / enable / weight through
// the same API routes gslbctl uses. Text goes into the page only as text nodes (never as HTML),
// so a hostile name cannot become markup. The token is the user's: kept in this tab's
// sessionStorage and sent as Authorization: Bearer, never in a URL.
'use strict';

(function () {
  const POLL_MS = 1000;
  const EVENTS = 30;
  const TOKEN_KEY = 'gslbd-token';
  const DASH = '\u2013';
  const DOT = ' \u00b7 ';

  const body = document.body;
  const auth = body.dataset.auth; // open: no token file; token: tokens needed; needed: refused
  let token = '';
  try {
    token = sessionStorage.getItem(TOKEN_KEY) || '';
  } catch (e) {
    token = '';
  }

  const $ = (sel) => document.querySelector(sel);

  // el('td', {class: 'x', 'data-member': name}, 'text', child...): strings become text nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // The same texts as the server's (api/html_text.cc, api/ui_page.cc).
  function rttText(us) {
    return us < 1000 ? us + ' \u00b5s' : (us / 1000).toFixed(1) + ' ms';
  }
  function durationText(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + (Math.floor(s / 60) % 60) + ' min';
  }
  function loadText(load) {
    return typeof load === 'number' ? load.toFixed(2) : DASH;
  }
  function timeEl(ms) {
    const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    return el('time', { datetime: iso }, iso.replace('T', ' ').replace('Z', ' UTC'));
  }

  // The API ------------------------------------------------------------------------------
  async function api(method, path, payload) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    const r = await fetch(path, init);
    let j = null;
    try {
      j = await r.json();
    } catch (e) {
      j = null;
    }
    if (!r.ok) {
      const err = new Error(j && j.message ? j.message : 'HTTP ' + r.status);
      err.status = r.status;
      throw err;
    }
    return j;
  }
  function memberPath(service, member) {
    return '/v1/services/' + encodeURIComponent(service) + '/members/' +
        encodeURIComponent(member);
  }

  function say(text, ok) {
    const m = $('#message');
    m.textContent = text;
    m.classList.toggle('ok', !!ok);
  }

  // Services and members ---------------------------------------------------------------------
  function observationItem(o) {
    let text = o.agent + ': ' + (o.up ? 'up' : 'down');
    if (typeof o.rtt_us === 'number') text += DOT + rttText(o.rtt_us);
    if (typeof o.load === 'number') text += DOT + 'load ' + loadText(o.load);
    text += DOT + durationText(o.age_ms || 0) + ' ago';
    if (o.stale) text += ' (stale)';
    if (o.detail) text += DOT + o.detail;
    return el('li', { class: (o.up ? 'up' : 'down') + (o.stale ? ' stale' : '') }, text);
  }

  function drainContent(m) {
    if (!m.drained) return [DASH];
    if (m.state === 'draining') return ['draining: ' + durationText(m.drain_remaining_ms) + ' left'];
    return ['drained since ', timeEl(m.drained_since_ms)];
  }

  // The cells of a member row but its actions, as [class, children].
  function memberCells(m) {
    const state = [el('span', { class: 'badge ' + m.state }, m.state)];
    if (m.state !== 'up' && m.state !== 'down' && m.health === 'down')
      state.push(' ', el('span', { class: 'badge down' }, 'down'));
    if (m.stale) state.push(' ', el('span', { class: 'badge stale' }, 'stale'));
    const agents = m.observations.length
      ? [el('ul', { class: 'obs' }, ...m.observations.map(observationItem))]
      : [el('span', { class: 'muted' }, 'not observed')];
    return [
      ['m-name', [m.name]],
      ['m-address', [m.address || m.target || '']],
      ['m-state', state],
      ['m-agents', agents],
      ['m-rtt num', [typeof m.rtt_us === 'number' ? rttText(m.rtt_us) : DASH]],
      ['m-load num', [loadText(m.load)]],
      ['m-weight num', [String(m.weight)]],
      ['m-drain', drainContent(m)],
    ];
  }

  const canAct = () => auth === 'open' || !!token;

  function updateActions(td, m) {
    if (!td.firstChild) {
      td.append(
        el('button', { type: 'button', 'data-action': 'drain' }),
        el('button', { type: 'button', 'data-action': 'enable' }),
        el('input', { type: 'number', min: '0', class: 'act-weight', 'aria-label': 'weight' }),
        el('button', { type: 'button', 'data-action': 'weight' }, 'set weight'));
    }
    const drain = td.querySelector('[data-action=drain]');
    drain.textContent = m.drained ? 'undrain' : 'drain';
    drain.dataset.value = m.drained ? 'false' : 'true';
    const enable = td.querySelector('[data-action=enable]');
    enable.textContent = m.enabled ? 'disable' : 'enable';
    enable.dataset.value = m.enabled ? 'false' : 'true';
    const weight = td.querySelector('.act-weight');
    if (document.activeElement !== weight && weight.dataset.shown !== String(m.weight)) {
      weight.value = m.weight;
      weight.dataset.shown = String(m.weight);
    }
    for (const c of td.querySelectorAll('button, input')) {
      c.disabled = !canAct();
      c.title = canAct() ? '' : 'needs an admin token (enter one above)';
    }
  }

  function updateRow(tr, m) {
    tr.className = 'member state-' + m.state;
    const cells = memberCells(m);
    for (const [cls, children] of cells) {
      let td = tr.querySelector('td.' + cls.split(' ')[0]);
      if (!td) {
        td = el('td', { class: cls });
        tr.append(td);
      }
      td.replaceChildren(...children.map((c) => (c instanceof Node ? c : String(c))));
    }
    let actions = tr.querySelector('td.m-actions');
    if (!actions) {
      actions = el('td', { class: 'm-actions' });
      tr.append(actions);
    }
    updateActions(actions, m);
  }

  function newSection(s) {
    const head = el('tr', {}, ...['member', 'address', 'state', 'agents', 'RTT', 'load', 'weight',
      'drain'].map((t) => el('th', {}, t)), el('th', { class: 'm-actions' }));
    return el('section', { class: 'service', 'data-service': s.name },
      el('h3', {}, el('span', { class: 's-name' }, s.name), ' ', el('span', { class: 'meta' })),
      el('table', { class: 'members' }, el('thead', {}, head), el('tbody')));
  }

  function renderServices(health) {
    const root = $('#services');
    const sections = new Map();
    for (const sec of root.querySelectorAll('section.service')) sections.set(sec.dataset.service, sec);
    for (const p of root.querySelectorAll(':scope > p')) p.remove();
    if (!health.services.length) root.append(el('p', { class: 'muted' }, 'no GSLB services'));
    const seen = new Set();
    health.services.forEach((s, i) => {
      seen.add(s.name);
      let sec = sections.get(s.name);
      if (!sec) sec = newSection(s);
      if (root.children[i] !== sec) root.insertBefore(sec, root.children[i] || null);
      sec.querySelector('.meta').replaceChildren(
        el('span', { class: 's-policy' }, s.policy), DOT + 'fallback ',
        el('span', { class: 's-fallback' }, s.fallback), DOT,
        el('span', { class: 's-count' }, s.members_up + '/' + s.members_total + ' up'));
      const tbody = sec.querySelector('tbody');
      const rows = new Map();
      for (const tr of tbody.querySelectorAll('tr.member')) rows.set(tr.dataset.member, tr);
      const names = new Set();
      s.members.forEach((m, k) => {
        names.add(m.name);
        let tr = rows.get(m.name);
        if (!tr) tr = el('tr', { class: 'member', 'data-member': m.name });
        updateRow(tr, m);
        if (tbody.children[k] !== tr) tbody.insertBefore(tr, tbody.children[k] || null);
      });
      for (const [name, tr] of rows) if (!names.has(name)) tr.remove();
    });
    for (const [name, sec] of sections) if (!seen.has(name)) sec.remove();
  }

  // Events, agents ---------------------------------------------------------------------------
  let lastEvents = null;
  function renderEvents(events) {
    const text = JSON.stringify(events.events);
    if (text === lastEvents) return;
    lastEvents = text;
    const root = $('#events');
    if (!events.events.length) {
      root.replaceChildren(el('p', { class: 'muted' }, 'no events yet'));
      return;
    }
    root.replaceChildren(el('ol', { class: 'timeline' }, ...events.events.map((e) =>
      el('li', { class: e.new }, timeEl(e.at_ms), ' ',
        el('span', { class: 'ev-what' }, e.service + ' / ' + e.member), ': ',
        el('span', { class: 'ev-old' }, e.old), ' \u2192 ', el('span', { class: 'ev-new' }, e.new),
        ' ', el('span', { class: 'muted' }, 'by ' + e.agent + (e.detail ? DOT + e.detail : ''))))));
  }

  function renderAgents(agents) {
    const root = $('#agents');
    if (!agents.agents.length) {
      root.replaceChildren(el('p', { class: 'muted' }, 'no agent has reported yet'));
      return;
    }
    root.replaceChildren(el('ul', { class: 'agents' }, ...agents.agents.map((a) =>
      el('li', {}, el('span', { class: 'a-id' }, a.id), ' ', el('span', { class: 'muted' },
        'region ' + (a.region || DASH) + DOT + 'seen ' + durationText(a.age_ms) + ' ago')))));
  }

  // Polling ------------------------------------------------------------------------------------
  let timer = null;
  let inflight = false;
  let again = false;
  let refusedNotice = auth === 'needed';

  async function poll() {
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    clearTimeout(timer);
    const live = $('#live');
    try {
      const [health, events, agents] = await Promise.all([
        api('GET', '/v1/health'), api('GET', '/v1/events?limit=' + EVENTS), api('GET', '/v1/agents')]);
      renderServices(health);
      renderEvents(events);
      renderAgents(agents);
      $('#asof').replaceChildren('as of ', timeEl(health.now_ms));
      live.textContent = 'live, updated every second';
      body.dataset.live = 'ok';
      if (refusedNotice) {
        say('');
        refusedNotice = false;
      }
    } catch (e) {
      live.textContent = 'not updating: ' + e.message;
      body.dataset.live = 'error';
      if (e.status === 401 || e.status === 403) {
        $('#token-state').textContent = token ? 'this token may not read' : 'a token is needed';
      }
    } finally {
      inflight = false;
      if (again) {
        again = false;
        poll();
      } else {
        timer = setTimeout(poll, POLL_MS);
      }
    }
  }

  // Actions ------------------------------------------------------------------------------------
  async function act(button) {
    const tr = button.closest('tr.member');
    const sec = button.closest('section.service');
    if (!tr || !sec) return;
    const service = sec.dataset.service;
    const member = tr.dataset.member;
    const action = button.dataset.action;
    let change;
    if (action === 'drain') change = { drained: button.dataset.value === 'true' };
    else if (action === 'enable') change = { enabled: button.dataset.value === 'true' };
    else if (action === 'weight') {
      const input = tr.querySelector('.act-weight');
      const w = Number(input.value);
      if (input.value === '' || !Number.isInteger(w) || w < 0) {
        say(member + ': the weight must be a whole number, 0 or more');
        return;
      }
      change = { weight: w };
    } else return;
    button.disabled = true;
    try {
      await api('PATCH', memberPath(service, member), change);
      say(service + ' / ' + member + ': ' + JSON.stringify(change).replace(/[{}"]/g, ''), true);
    } catch (e) {
      say(service + ' / ' + member + ': ' + e.message);
    } finally {
      button.disabled = !canAct();
      poll();
    }
  }

  $('#services').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (b) act(b);
  });

  // Explain ------------------------------------------------------------------------------------
  function explainContent(x) {
    const dl = el('dl', {},
      el('dt', {}, 'question'), el('dd', {}, x.name + ' ' + x.type + (x.client ? ' from ' + x.client : '')),
      el('dt', {}, 'rcode'), el('dd', { class: 'x-rcode' }, x.rcode),
      el('dt', {}, 'answer'), el('dd', {}, x.answers.length
        ? el('ul', { class: 'x-answers' }, ...x.answers.map((rr) =>
          el('li', {}, rr.name + ' ' + rr.ttl + ' ' + rr.type + ' ' + rr.data)))
        : el('span', { class: 'muted' }, 'no records')));
    if (x.decision) {
      const d = x.decision;
      dl.append(el('dt', {}, 'service'), el('dd', {}, x.service.name + ' (' + x.service.policy + ')'),
        el('dt', {}, 'candidates'), el('dd', {}, d.candidates + (d.degraded ? ' (degraded)' : '')),
        el('dt', {}, 'TTL'), el('dd', {}, String(d.ttl)),
        el('dt', {}, 'ECS scope'), el('dd', {}, '/' + d.ecs_scope));
    }
    const out = [dl];
    if (x.members.length) {
      out.push(el('table', { class: 'x-members' },
        el('thead', {}, el('tr', {}, ...['member', 'address', 'state', 'eligible', 'picked'].map(
          (t) => el('th', {}, t)))),
        el('tbody', {}, ...x.members.map((m) => el('tr',
          { class: m.picked ? 'picked' : null, 'data-member': m.name },
          el('td', {}, m.name), el('td', {}, m.address || m.target || ''), el('td', {}, m.state),
          el('td', {}, m.eligible ? 'yes' : 'no'), el('td', {}, m.picked ? 'yes' : 'no'))))));
    }
    return out;
  }

  $('#explain-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(ev.target)) if (String(v).trim()) params.append(k, String(v).trim());
    const result = $('#explain-result');
    try {
      const x = await api('GET', '/v1/explain?' + params.toString());
      result.replaceChildren(...explainContent(x));
      history.replaceState(null, '', '/ui/explain?' + params.toString());
    } catch (e) {
      result.replaceChildren(el('p', { class: 'error' }, e.message));
    }
  });

  // The token ----------------------------------------------------------------------------------
  const form = $('#token-form');
  form.hidden = false;
  function showToken() {
    $('#token-state').textContent = token ? 'token set (this tab)' : (auth === 'open' ? '' : 'no token');
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('#token');
    token = input.value.trim();
    input.value = '';
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // Storage refused (a private window's policy): the token lasts until the page is left.
    }
    showToken();
    poll();
  });
  $('#token-forget').addEventListener('click', () => {
    token = '';
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // nothing was stored
    }
    showToken();
    poll();
  });
  showToken();

  // Actions exist only with the script: add them to the server's rows now.
  poll();
})();
