// The console page: wires the map, the search, the side panels, tracing and what-if edits.
import { api, clear, h, short, table } from './dom.js';
import { NetworkMap } from './map.js';
import { componentPanel } from './panel.js';
import { buildPanel } from './build.js';

const $ = (id) => document.getElementById(id);

const state = {
  topology: null,
  expand: new Set(),
  edits: [],            // what-if edits (EC2 API actions), applied to a copy on the server
  selected: null,
  lastFlow: null,
  exposure: null,
  map: null,
};
window.vpcsimConsole = state; // for tests and the curious: read-only use

function status(text) {
  $('map-status').textContent = text;
}

// ------------------------------------------------------------------ tabs

const TABS = ['component', 'trace', 'whatif', 'exposure', 'compare', 'build'];

function showTab(name, focus = false) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (focus) $(`tab-${name}`).focus();
  if (name === 'exposure') wantExposure();
  if (name === 'build') showBuild();
}

// ------------------------------------------------------------------ build (vpcsim serve)

let buildDrawn = null; // the network version the Build tab's pickers were drawn for

async function showBuild() {
  if (!state.ec2Api || buildDrawn === state.topology.version || $('panel-build').dataset.busy) return;
  buildDrawn = state.topology.version;
  try {
    await buildPanel($('panel-build'), state.ec2Api, async () => {
      await changed();
      buildDrawn = state.topology.version;
    });
  } catch (error) {
    buildDrawn = null;
    clear($('panel-build'), h('p', { class: 'error', role: 'alert', text: error.message }));
  }
}

function setupTabs() {
  for (const tab of TABS) $(`tab-${tab}`).addEventListener('click', () => showTab(tab));
  $('tabs').addEventListener('keydown', (event) => {
    const visible = TABS.filter((t) => !$(`tab-${t}`).hidden);
    const current = visible.findIndex((t) => $(`tab-${t}`).getAttribute('aria-selected') === 'true');
    let next = null;
    if (event.key === 'ArrowRight') next = visible[(current + 1) % visible.length];
    if (event.key === 'ArrowLeft') next = visible[(current - 1 + visible.length) % visible.length];
    if (next) { event.preventDefault(); showTab(next, true); }
  });
}

// ------------------------------------------------------------------ map and tree

async function loadTopology() {
  const expand = [...state.expand].sort().join(',');
  state.topology = await api(`api/topology${expand ? `?expand=${encodeURIComponent(expand)}` : ''}`);
  state.map.load(state.topology);
  renderTree();
  if (state.exposure && $('exposure-toggle').checked) {
    await state.map.learn(findingIds(state.exposure.findings));
    state.map.showExposure(state.exposure.findings, true);
  }
  status(`${state.topology.nodes.length} boxes drawn`);
}

function renderTree() {
  const byParent = new Map();
  for (const n of state.topology.nodes) {
    const key = n.parent || '';
    if (!byParent.has(key)) byParent.set(key, []);
    byParent.get(key).push(n);
  }
  const build = (parent) => {
    const kids = byParent.get(parent) || [];
    if (!kids.length) return null;
    return h('ul', {}, kids.map((n) => h('li', {},
      h('button', {
        type: 'button', class: `tree-item kind-${n.kind}`, 'data-id': n.id,
        'aria-label': `${n.kind} ${n.label} ${n.id}`,
        onclick: () => select(n.id),
      }, h('span', { class: 'kind', text: n.kind === 'availability-zone' ? 'AZ' : n.kind }), ' ', short(n.label, 40)),
      build(n.id))));
  };
  clear($('tree-list'), build('') || h('li', { text: 'no components' }));
}

function findingIds(findings) {
  return findings.flatMap((f) => [f.instance, f.eni]).filter(Boolean);
}

async function select(id) {
  await state.map.learn([id]);
  const node = state.topology && state.topology.nodes.find((n) => n.id === id);
  if (node && node.kind === 'collapsed') {
    state.expand.add(id.replace(/^collapsed:/, ''));
    await loadTopology();
    return;
  }
  if (node && (node.kind === 'region' || node.kind === 'availability-zone' || node.kind === 'internet')) {
    state.map.select(id);
    clear($('panel-component'), h('h2', { text: node.label }), h('p', { text: `${node.kind} ${node.sublabel}` }));
    showTab('component');
    return;
  }
  state.selected = id;
  state.map.select(id);
  await showComponent(id);
}

let panelRequest = 0; // only the last component asked for is shown, whatever answers first

async function showComponent(id, destination) {
  const request = ++panelRequest;
  const params = new URLSearchParams();
  if (destination) params.set('destination', destination);
  if (state.edits.length) params.set('edits', JSON.stringify(state.edits));
  const query = params.toString();
  try {
    const data = await api(`api/component/${encodeURIComponent(id)}${query ? `?${query}` : ''}`);
    if (request !== panelRequest) return;
    clear($('panel-component'), componentPanel(data, {
      traceFrom: (ref) => { $('trace-source').value = ref; $('trace-destination').focus(); },
      traceTo: (ref) => { $('trace-destination').value = ref; runTrace(); },
      routeWinner: (dest) => showComponent(id, dest),
      addEdit: (edit) => addEdit(edit),
      edits: state.edits.length,
    }));
  } catch (error) {
    if (request !== panelRequest) return;
    clear($('panel-component'), h('p', { class: 'error', role: 'alert', text: error.message }));
  }
  showTab('component');
}

// ------------------------------------------------------------------ search

async function runSearch(event) {
  event.preventDefault();
  const q = $('search').value.trim();
  if (!q) return;
  const data = await api(`api/search?q=${encodeURIComponent(q)}`);
  const ids = data.matches.map((m) => m.instance || m.id);
  await state.map.learn(ids);
  state.map.mark(ids, 'match');
  const list = h('ul', { class: 'matches', 'aria-label': 'Search results' }, data.matches.map((m) => h('li', {},
    h('button', { type: 'button', onclick: () => select(m.instance || m.id) },
      `${m.type} ${short(m.label, 50)} (${m.id})`), h('span', { class: 'muted', text: ` ${m.match}` }))));
  clear($('panel-component'), h('h2', { text: `Search: ${q}` }),
    data.matches.length ? list : h('p', { text: 'Nothing matches.' }));
  showTab('component');
  if (data.matches.length === 1) select(ids[0]);
}

// ------------------------------------------------------------------ trace

function flowFromForm() {
  const port = $('trace-port').value;
  return {
    source: $('trace-source').value.trim(),
    destination: $('trace-destination').value.trim(),
    protocol: $('trace-protocol').value,
    port: port === '' ? null : Number(port),
  };
}

let traceRequest = 0;

async function runTrace(event) {
  if (event) event.preventDefault();
  const flow = flowFromForm();
  if (!flow.source || !flow.destination) return;
  if (flow.protocol === 'icmp' || flow.protocol === '-1') flow.port = null;
  state.lastFlow = flow;
  const panel = $('panel-trace');
  clear(panel, h('p', { text: 'Tracing…' }));
  showTab('trace');
  const request = ++traceRequest;
  const body = { ...flow, edits: state.edits };
  try {
    const data = await api('api/trace', body);
    if (request !== traceRequest) return;
    clear(panel, tracePanel(data, flow)); // the answer first; the path on the map follows
    await state.map.learn([...data.path.forward, ...data.path.return, ...data.path.blocked]);
    if (request !== traceRequest) return;
    state.map.showPath(data.path);
  } catch (error) {
    if (request !== traceRequest) return;
    state.map.clearPath();
    clear(panel, h('p', { class: 'error', role: 'alert', text: error.message }));
    return;
  }
  // why (every blocker, the changes that open the path) and reach take longer on big networks:
  // the trace is on the page first, they fill in after
  const [why, reach] = await Promise.allSettled([api('api/why', body), api('api/reach', body)]);
  if (request !== traceRequest) return;
  const whySlot = $('why-slot');
  if (why.status === 'fulfilled') {
    clear(whySlot, whySection(why.value.why));
    clear($('checklist-slot'), checklistTable(why.value.checklist));
  } else {
    clear(whySlot, h('p', { class: 'error', text: `why: ${why.reason.message}` }));
  }
  const value = reach.status === 'fulfilled' ? reach.value : null;
  clear($('reach-slot'), value && value.reach ? reachSection(value.reach)
    : h('p', { class: 'muted', text: `reach: ${value ? value.reach_error : reach.reason.message}` }));
}

function hopList(title, hops, blockedHops, testid) {
  return h('section', { 'aria-label': title },
    h('h3', { text: title }),
    hops.length ? h('ol', { class: 'hops', 'data-testid': testid }, hops.map((hop) => {
      const blocked = blockedHops.includes(hop.component);
      return h('li', { class: blocked ? 'hop blocked' : 'hop', 'data-component': hop.component },
        h('strong', { text: `${hop.type} ` }), h('code', { text: hop.component }), blocked ? h('span', { class: 'badge bad', text: ' ✗ blocked here' }) : null,
        h('ul', {}, hop.steps.map((s) => h('li', { class: `step ${s.action}` }, s.detail))));
    })) : h('p', { class: 'muted', text: 'no hops' }));
}

function verdictBadge(verdict) {
  const good = verdict === 'reachable';
  return h('p', { class: `verdict ${good ? 'ok' : 'bad'}`, 'data-testid': 'verdict', role: 'status' },
    h('span', { 'aria-hidden': 'true', text: good ? '✓ ' : '✗ ' }), verdict);
}

function changeEdit(change) {
  // A verified change of why (EC2 API action and parameters) as a what-if edit.
  const actions = ['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'CreateNetworkAclEntry', 'CreateRoute', 'ReplaceRoute'];
  if (!change.applied || !actions.includes(change.action)) return null;
  const edit = { Action: change.action, ...change.parameters };
  if (edit.PortRange) { edit.FromPort = edit.PortRange.From; edit.ToPort = edit.PortRange.To; delete edit.PortRange; }
  return edit;
}

function checklistTable(items) {
  return table('Troubleshooting checklist for this flow', ['check', 'result', 'codes'],
    items.map((c) => h('tr', { class: `check ${c.status.replace(/[^a-z]/g, '')}`, 'data-item': c.item },
      h('td', { text: c.text }),
      h('td', {}, h('span', { 'aria-hidden': 'true', text: c.status === 'pass' ? '✓ ' : c.status === 'fail' ? '✗ ' : '– ' }), c.status),
      h('td', { text: c.codes.join(', ') }))), { class: 'checklist', 'data-testid': 'checklist' });
}

function blockerSection(blockers) {
  if (!blockers.length) return null;
  return h('section', { 'aria-label': 'Blockers' },
    h('h3', { text: 'Blockers' }),
    h('ul', { class: 'blockers', 'data-testid': 'blockers' }, blockers.map((b) => h('li', { class: 'blocker' },
      h('code', { class: 'code', text: b.code }), ` ${b.path} · `, h('code', { text: b.component }),
      b.revealed ? h('span', { class: 'muted', text: ' (found once the blockers before it are fixed)' }) : null,
      h('div', { text: b.detail }), h('div', { class: 'fix' }, h('strong', { text: 'Fix: ' }), b.fix)))));
}

function whySection(why) {
  const revealed = why.blockers.filter((b) => b.revealed);
  const fixes = why.changes.length ? h('section', { 'aria-label': 'Changes that open the path' },
    h('h3', { text: why.opens ? 'Changes that open the path (verified)' : 'Advice' }),
    h('ul', {}, why.changes.map((c) => {
      const edit = changeEdit(c);
      return h('li', {}, h('code', { text: c.command }), c.verified ? h('span', { class: 'badge ok', text: ' verified' }) : null,
        edit ? h('button', { type: 'button', class: 'small', onclick: () => addEdit(edit) }, 'Try it (what-if)') : null);
    }))) : null;
  return [
    revealed.length ? h('section', { 'aria-label': 'Blockers found once the first are fixed' },
      h('h3', { text: 'Behind them' }),
      h('ul', { class: 'blockers' }, revealed.map((b) => h('li', { class: 'blocker' },
        h('code', { class: 'code', text: b.code }), ` ${b.path} · `, h('code', { text: b.component }),
        h('span', { class: 'muted', text: ' (found once the blockers before it are fixed)' }),
        h('div', { text: b.detail }), h('div', { class: 'fix' }, h('strong', { text: 'Fix: ' }), b.fix))))) : null,
    fixes,
  ];
}

function tracePanel(data, flow) {
  const t = data.trace;
  const f = t.flow;
  return [
    h('h2', { text: `${flow.source} → ${flow.destination}` }),
    h('p', { class: 'muted' }, `${f.protocol} ${f.source} → ${f.destination}${f.destination_port !== null ? `:${f.destination_port}` : ''}`,
      state.edits.length ? h('strong', { text: ` (with ${state.edits.length} what-if edit${state.edits.length > 1 ? 's' : ''})` }) : null),
    verdictBadge(t.verdict),
    blockerSection(t.blockers),
    h('div', { id: 'checklist-slot' }, checklistTable(data.checklist)),
    h('div', { id: 'why-slot' }, t.blockers.length ? h('p', { class: 'muted', text: 'Looking for every blocker and the changes that open the path…' }) : null),
    hopList('Forward path', t.forward, data.path.blocked, 'forward-hops'),
    hopList('Return path', t.return, data.path.blocked, 'return-hops'),
    h('div', { id: 'reach-slot' }, h('p', { class: 'muted', text: 'Computing everything the source can send the destination…' })),
  ];
}

function entryText(e) {
  const ports = e.protocol === 'icmp' ? (e.icmp ? `type ${e.icmp[0]}` : 'all types') :
    (e.ports || []).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
  return `${e.protocol} ${ports}`.trim() + (e.sources ? ` from ${e.sources.join(', ')}` : '') +
    (e.destinations ? ` to ${e.destinations.join(', ')}` : '');
}

function reachSection(reach) {
  const group = (title, entries, testid) => h('div', { 'data-testid': testid },
    h('h4', { text: `${title} (${entries.length})` }),
    entries.length ? h('ul', {}, entries.map((e) => h('li', { text: entryText(e) + (e.client_ports ? ` (client ports ${JSON.stringify(e.client_ports)})` : '') }))) : null);
  return h('section', { 'aria-label': 'Reach' },
    h('h3', { text: `Everything ${reach.from} can send ${reach.to}` }),
    group('allowed both ways', reach.allowed, 'reach-allowed'),
    group('one way (no reply)', reach.one_way, 'reach-one-way'),
    group('partial client ports', reach.partial, 'reach-partial'),
    group('unknown', reach.unknown, 'reach-unknown'));
}

// ------------------------------------------------------------------ what-if

function describeEdit(e) {
  const rest = Object.entries(e).filter(([k]) => k !== 'Action').map(([k, v]) => `${k}=${v}`).join(' ');
  return `${e.Action} ${rest}`;
}

async function addEdit(edit) {
  state.edits.push(edit);
  await refreshEdits();
}

async function refreshEdits() {
  $('edit-count').textContent = state.edits.length ? `(${state.edits.length})` : '';
  const panel = $('panel-whatif');
  if (!state.edits.length) {
    clear(panel, h('p', { class: 'hint', text: 'No edits: the network is as loaded.' }));
  } else {
    clear(panel, h('p', { text: 'Computing…' }));
  }
  showTab('whatif');
  let answer = null;
  try {
    answer = state.edits.length ? await api('api/whatif', { edits: state.edits }) : null;
  } catch (error) {
    const bad = state.edits.pop();
    clear(panel, h('p', { class: 'error', role: 'alert', text: `${error.message} — edit not kept: ${describeEdit(bad)}` }));
    $('edit-count').textContent = state.edits.length ? `(${state.edits.length})` : '';
    return;
  }
  if (answer) clear(panel, whatifPanel(answer));
  if (state.selected) await showComponent(state.selected);
  if (state.lastFlow) {
    $('trace-source').value = state.lastFlow.source;
    $('trace-destination').value = state.lastFlow.destination;
    await runTrace();
  }
  await loadExposure();
  showTab('whatif');
}

function orNone(rows) {
  return rows.length ? rows : [h('li', { class: 'muted', text: 'none' })];
}

function pairRows(pairs, key) {
  const rows = [];
  for (const p of pairs) for (const e of p[key]) rows.push(h('li', {}, h('code', { text: `${p.from} → ${p.to}` }), ` ${entryText(e)}`));
  return rows;
}

function whatifPanel(answer) {
  const d = answer.diff;
  const opened = pairRows(d.pairs, 'newly_allowed');
  const closed = pairRows(d.pairs, 'newly_blocked');
  const oneway = pairRows(d.pairs, 'newly_one_way');
  return [
    h('h2', { text: 'What-if' }),
    h('p', { class: 'muted', text: `Nothing is changed until you save. Answered in ${Math.round(answer.seconds * 1000)} ms.` }),
    h('h3', { text: 'Edits' }),
    h('ol', { class: 'edits', 'data-testid': 'edits' }, state.edits.map((e, i) => h('li', {}, h('code', { text: describeEdit(e) }), ' ',
      h('button', { type: 'button', class: 'small', onclick: () => { state.edits.splice(i, 1); refreshEdits(); } }, 'Undo')))),
    h('section', { 'aria-label': 'What the edits open and close', 'data-testid': 'diff' },
      h('h3', { text: `Diff: ${d.status}` }),
      h('h4', { text: `Opened (${opened.length})` }), h('ul', { class: 'opened' }, opened),
      h('h4', { text: `Closed (${closed.length})` }), h('ul', { class: 'closed' }, closed),
      oneway.length ? [h('h4', { text: `Newly one way (${oneway.length})` }), h('ul', {}, oneway)] : null),
    h('p', { text: `Exposure after the edits: ${answer.exposure.findings.length} finding(s).` }),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: saveSpec }, 'Save as YAML spec'),
      state.canSave ? h('button', { type: 'button', onclick: saveToServer }, 'Apply to the server') : null,
      h('button', { type: 'button', onclick: () => { state.edits = []; refreshEdits(); } }, 'Discard all edits')),
  ];
}

async function saveToServer() {
  try {
    const answer = await api('api/save', { edits: state.edits });
    state.edits = [];
    await changed();
    await refreshEdits();
    status(`${answer.saved} edit(s) applied to the server`);
  } catch (error) {
    clear($('panel-whatif'), h('p', { class: 'error', role: 'alert', text: `not saved: ${error.message}` }));
  }
}

async function saveSpec() {
  const text = await api('api/spec', { edits: state.edits });
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = h('a', { href: url, download: 'network.yaml' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ------------------------------------------------------------------ exposure

// Exposure is asked for when it is first shown (its tab or the overlay): on a big estate it
// takes a while, and the map and traces do not wait for it.
let exposureWanted = false;

async function wantExposure() {
  if (exposureWanted) return;
  exposureWanted = true;
  clear($('panel-exposure'), h('p', { text: 'Computing what the internet reaches…' }));
  try {
    await loadExposure();
  } catch (error) {
    exposureWanted = false;
    clear($('panel-exposure'), h('p', { class: 'error', role: 'alert', text: error.message }));
  }
}

async function loadExposure() {
  if (!exposureWanted) return;
  state.exposure = await api('api/exposure', { edits: state.edits });
  await state.map.learn(findingIds(state.exposure.findings));
  renderExposure();
  state.map.showExposure(state.exposure.findings, $('exposure-toggle').checked);
}

function nameOf(id) {
  const box = state.map.boxOf(id);
  const node = box && state.topology.nodes.find((n) => n.id === box);
  return node && node.kind !== 'collapsed' ? node.label : id;
}

function renderExposure() {
  const panel = $('panel-exposure');
  const filter = h('input', { id: 'exposure-filter', type: 'search', placeholder: 'filter: instance, address, port…', 'aria-label': 'Filter findings' });
  const severity = h('select', { id: 'exposure-severity', 'aria-label': 'Minimum severity' },
    ['low', 'medium', 'high'].map((s) => h('option', { value: s, text: `${s} and above` })));
  const body = h('tbody');
  const order = { high: 0, medium: 1, low: 2 };
  const draw = () => {
    const text = filter.value.trim().toLowerCase();
    const min = order[severity.value];
    const rows = state.exposure.findings
      .filter((f) => order[f.severity] <= min)
      .filter((f) => !text || JSON.stringify(f).toLowerCase().includes(text))
      .map((f) => h('tr', { class: `sev-${f.severity}` },
        h('td', {}, h('span', { class: `sev sev-${f.severity}`, text: f.severity.toUpperCase() })),
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => select(f.instance || f.eni) }, nameOf(f.instance || f.eni)),
          h('div', { class: 'muted', text: f.instance || f.eni })),
        h('td', { text: f.address }),
        h('td', { text: entryText({ protocol: f.protocol, ports: f.ports, icmp: f.icmp }) }),
        h('td', { text: f.sources.join(', ') })));
    clear(body, rows.length ? rows : h('tr', {}, h('td', { colspan: 5, text: 'No finding.' })));
  };
  filter.addEventListener('input', draw);
  severity.addEventListener('change', draw);
  draw();
  clear(panel,
    h('h2', { text: `Exposure: what the internet reaches (${state.exposure.findings.length})` }),
    h('div', { class: 'filters' }, filter, severity),
    h('table', { class: 'exposure', 'data-testid': 'exposure' },
      h('caption', { text: 'Findings, most severe first' }),
      h('thead', {}, h('tr', {}, ['severity', 'instance', 'address', 'traffic', 'from'].map((x) => h('th', { scope: 'col', text: x })))),
      body),
    state.exposure.incomplete.length ? h('p', { class: 'muted', text: `Incomplete: ${JSON.stringify(state.exposure.incomplete)}` }) : null);
}

// ------------------------------------------------------------------ compare

async function loadCompare() {
  const d = await api('api/compare');
  $('tab-compare').hidden = false;
  const ids = new Set();
  for (const p of d.pairs) { ids.add(p.from); ids.add(p.to); }
  await state.map.learn([...ids]);
  state.map.mark([...ids], 'diff');
  clear($('panel-compare'),
    h('h2', { text: `Compared network: ${d.status}` }),
    h('p', { class: 'muted', text: 'Instances whose traffic changes are outlined in purple on the map and labelled "⇄ traffic changed".' }),
    h('h3', { text: 'Opened' }), h('ul', {}, orNone(pairRows(d.pairs, 'newly_allowed'))),
    h('h3', { text: 'Closed' }), h('ul', {}, orNone(pairRows(d.pairs, 'newly_blocked'))),
    h('h3', { text: 'Only in the old network' }), h('p', { text: d.only_in_old.join(', ') || 'none' }),
    h('h3', { text: 'Only in the new network' }), h('p', { text: d.only_in_new.join(', ') || 'none' }));
}

// ------------------------------------------------------------------ start

async function start() {
  state.map = new NetworkMap($('map'), { onSelect: (id) => select(id) });
  setupTabs();
  $('search-form').addEventListener('submit', runSearch);
  $('trace-form').addEventListener('submit', runTrace);
  $('exposure-toggle').addEventListener('change', () => {
    if (state.exposure) state.map.showExposure(state.exposure.findings, $('exposure-toggle').checked);
    if ($('exposure-toggle').checked) { showTab('exposure'); wantExposure(); }
  });
  const summary = await api('api/network');
  $('title').textContent = summary.title;
  state.canSave = summary.can_save;
  state.ec2Api = summary.ec2_api;
  $('tab-build').hidden = !summary.ec2_api;
  document.title = summary.title;
  await loadTopology();
  document.body.dataset.ready = 'true';
  // the rules compile once the map is on the screen (not competing with its drawing): the
  // first trace then answers at once
  requestAnimationFrame(() => setTimeout(() => api('api/warm', {}).catch(() => {}), 0));
  if (summary.compare) await loadCompare();
  setInterval(() => { if (!document.hidden) follow(); }, POLL_MS);
}

// Live mode: the network may change under the page (vpcsim serve's state, changed with boto3
// or the AWS CLI); its version is polled twice a second (a poll of an unchanged network costs
// the server a counter read) and the map redrawn when it moves: a change shows within a second.
const POLL_MS = 500;
let following = null;
async function follow() {
  if (following) return following; // a poll under way: its answer is the one awaited
  following = poll();
  try {
    await following;
  } finally {
    following = null;
  }
  return undefined;
}

// After a change made from this page: a poll that started before it does not count.
async function changed() {
  if (following) await following;
  await follow();
}

async function poll() {
  try {
    const summary = await api('api/network');
    if (state.topology && summary.version !== state.topology.version) {
      await loadTopology();
      await loadExposure();
      status(`network changed (version ${summary.version}): map redrawn`);
      const build = $('panel-build');
      if (!build.hidden && !build.contains(document.activeElement)) await showBuild();
    }
  } catch (error) {
    status(`cannot reach the server: ${error.message}`);
  }
}

start().catch((error) => {
  status(`error: ${error.message}`);
  document.body.dataset.ready = 'error';
});
