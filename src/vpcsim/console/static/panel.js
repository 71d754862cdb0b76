// The side panel for one component: its fields and rules, and the what-if forms that turn an
// edit of a rule, an entry or a route into an EC2 API action (applied to a copy, never saved).
import { h, table } from './dom.js';

let formCount = 0;

// A small form: fields [{name, label, type, options, value}] -> onSubmit(values).
function editForm(title, fields, onSubmit) {
  const id = `f${++formCount}`;
  const inputs = {};
  const form = h('form', { class: 'edit-form', 'aria-label': title },
    h('fieldset', {}, h('legend', { text: title }),
      fields.map((f) => {
        const fid = `${id}-${f.name}`;
        let input;
        if (f.type === 'select') {
          input = h('select', { id: fid, name: f.name }, f.options.map(([value, text]) => h('option', { value, text })));
          if (f.value !== undefined && f.value !== null) input.value = String(f.value);
        } else {
          input = h('input', { id: fid, name: f.name, type: f.type || 'text', value: f.value ?? '', placeholder: f.placeholder || '' });
        }
        inputs[f.name] = input;
        return h('span', { class: 'field' }, h('label', { for: fid, text: f.label }), input);
      }),
      h('button', { type: 'submit' }, 'Apply (what-if)'),
      h('button', { type: 'button', class: 'cancel', onclick: () => form.remove() }, 'Cancel')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = {};
    for (const [name, input] of Object.entries(inputs)) values[name] = input.value.trim();
    onSubmit(values);
  });
  setTimeout(() => { const first = form.querySelector('input, select'); if (first) first.focus(); }, 0);
  return form;
}

function openForm(anchor, form) {
  const existing = anchor.querySelector(':scope > form.edit-form');
  if (existing) existing.remove();
  anchor.append(form);
}

const SG_PROTOCOLS = [['tcp', 'tcp'], ['udp', 'udp'], ['icmp', 'icmp'], ['-1', 'all']];
const ACL_PROTOCOLS = [['6', 'tcp'], ['17', 'udp'], ['1', 'icmp'], ['-1', 'all']];

function peerParams(peer) {
  if (peer.startsWith('sg-')) return { ReferencedGroupId: peer };
  if (peer.startsWith('pl-')) return { PrefixListId: peer };
  return { CidrIp: peer };
}

function sgFields(rule) {
  return [
    { name: 'IpProtocol', label: 'Protocol', type: 'select', options: SG_PROTOCOLS, value: rule ? rule.ip_protocol : 'tcp' },
    { name: 'FromPort', label: 'From port', type: 'number', value: rule ? rule.from_port : '' },
    { name: 'ToPort', label: 'To port', type: 'number', value: rule ? rule.to_port : '' },
    { name: 'Peer', label: 'Source/destination (CIDR, sg-, pl-)', value: rule ? rule.peer : '0.0.0.0/0' },
    { name: 'Description', label: 'Description', value: rule ? rule.description || '' : '' },
  ];
}

function sgEdit(values) {
  const edit = { IpProtocol: values.IpProtocol, ...peerParams(values.Peer) };
  if (values.FromPort !== '') edit.FromPort = Number(values.FromPort);
  if (values.ToPort !== '') edit.ToPort = Number(values.ToPort);
  if (values.Description) edit.Description = values.Description;
  return edit;
}

function securityGroup(group, actions) {
  const section = h('section', { class: 'rules', 'aria-label': `Security group ${group.group_id}` });
  const rules = (direction) => {
    const egress = direction === 'outbound';
    const list = egress ? group.egress : group.ingress;
    const rows = list.map((r) => {
      const row = h('tr', { 'data-rule': `${direction}-${r.index}` },
        h('td', { text: r.protocol }), h('td', { text: r.ports }), h('td', { text: r.peer }),
        h('td', { class: 'desc', text: r.description || '' }),
        h('td', {},
          h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${direction} rule ${r.index + 1} of ${group.group_id}`, onclick: () => openForm(section, editForm(
            `Edit ${direction} rule ${r.index + 1} of ${group.group_id}`, sgFields(r),
            (v) => actions.addEdit({ Action: 'ModifySecurityGroupRule', GroupId: group.group_id, Egress: egress, RuleIndex: r.index, ...sgEdit(v) }))) }, 'Edit'),
          h('button', { type: 'button', class: 'small', 'aria-label': `Delete ${direction} rule ${r.index + 1} of ${group.group_id}`, onclick: () => actions.addEdit({
            Action: egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress', GroupId: group.group_id, RuleIndex: r.index }) }, 'Delete')));
      return row;
    });
    return [
      table(`${direction === 'inbound' ? 'Inbound' : 'Outbound'} rules (${list.length})`, ['protocol', 'ports', egress ? 'destination' : 'source', 'description', ''],
        rows.length ? rows : h('tr', {}, h('td', { colspan: 5, text: 'none: nothing is allowed' })), { class: 'rule-table' }),
      h('button', { type: 'button', class: 'small', onclick: () => openForm(section, editForm(
        `Add an ${direction} rule to ${group.group_id}`, sgFields(null),
        (v) => actions.addEdit({ Action: egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress', GroupId: group.group_id, ...sgEdit(v) }))) },
      `Add ${direction} rule`),
    ];
  };
  section.append(
    h('h3', {}, 'Security group ', h('code', { text: group.group_id }), ` ${group.group_name}`),
    h('p', { class: 'muted', text: group.description }),
    ...rules('inbound'), ...rules('outbound'));
  return section;
}

function aclFields(entry, egress) {
  return [
    { name: 'RuleNumber', label: 'Rule #', type: 'number', value: entry ? entry.rule_number : '' },
    { name: 'Protocol', label: 'Protocol', type: 'select', options: ACL_PROTOCOLS, value: entry ? entry.protocol_number : '6' },
    { name: 'FromPort', label: 'From port', type: 'number', value: entry && entry.port_range ? entry.port_range[0] : '' },
    { name: 'ToPort', label: 'To port', type: 'number', value: entry && entry.port_range ? entry.port_range[1] : '' },
    { name: 'CidrBlock', label: egress ? 'Destination CIDR' : 'Source CIDR', value: entry ? entry.cidr_block : '0.0.0.0/0' },
    { name: 'RuleAction', label: 'Allow/deny', type: 'select', options: [['allow', 'allow'], ['deny', 'deny']], value: entry ? entry.rule_action : 'allow' },
  ];
}

function aclEdit(action, aclId, egress, v) {
  const edit = { Action: action, NetworkAclId: aclId, Egress: egress, RuleNumber: Number(v.RuleNumber), Protocol: v.Protocol, CidrBlock: v.CidrBlock, RuleAction: v.RuleAction };
  if (v.FromPort !== '') edit.FromPort = Number(v.FromPort);
  if (v.ToPort !== '') edit.ToPort = Number(v.ToPort);
  return edit;
}

function networkAcl(acl, actions) {
  const section = h('section', { class: 'rules', 'aria-label': `Network ACL ${acl.network_acl_id}` });
  const entries = (direction) => {
    const egress = direction === 'outbound';
    const list = egress ? acl.outbound : acl.inbound;
    const rows = list.map((e) => h('tr', { class: `acl-${e.rule_action}`, 'data-rule': `${direction}-${e.rule_number}` },
      h('td', { text: String(e.rule_number) }), h('td', { text: e.protocol }), h('td', { text: e.ports }),
      h('td', { text: e.cidr_block }), h('td', { text: e.rule_action.toUpperCase() }),
      h('td', {}, e.rule_number === '*' ? h('span', { class: 'muted', text: 'last: denies the rest' }) : [
        h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${direction} entry ${e.rule_number} of ${acl.network_acl_id}`, onclick: () => openForm(section, editForm(
          `Replace ${direction} entry ${e.rule_number} of ${acl.network_acl_id}`, aclFields(e, egress),
          (v) => actions.addEdit(aclEdit('ReplaceNetworkAclEntry', acl.network_acl_id, egress, v)))) }, 'Edit'),
        h('button', { type: 'button', class: 'small', 'aria-label': `Delete ${direction} entry ${e.rule_number} of ${acl.network_acl_id}`, onclick: () => actions.addEdit({
          Action: 'DeleteNetworkAclEntry', NetworkAclId: acl.network_acl_id, Egress: egress, RuleNumber: e.rule_number }) }, 'Delete'),
      ])));
    return [
      table(`${egress ? 'Outbound' : 'Inbound'} entries, in the order they are evaluated`, ['rule #', 'protocol', 'ports', egress ? 'destination' : 'source', 'action', ''], rows, { class: 'rule-table' }),
      h('button', { type: 'button', class: 'small', onclick: () => openForm(section, editForm(
        `Add an ${direction} entry to ${acl.network_acl_id}`, aclFields(null, egress),
        (v) => actions.addEdit(aclEdit('CreateNetworkAclEntry', acl.network_acl_id, egress, v)))) }, `Add ${direction} entry`),
    ];
  };
  section.append(
    h('h3', {}, 'Network ACL ', h('code', { text: acl.network_acl_id }), acl.is_default ? ' (default)' : ''),
    h('p', { class: 'muted', text: `Subnets: ${acl.subnet_ids.join(', ') || 'none'}` }),
    ...entries('inbound'), ...entries('outbound'));
  return section;
}

function routeTable(rt, actions) {
  const section = h('section', { class: 'rules', 'aria-label': `Route table ${rt.route_table_id}` });
  const dest = h('input', { id: `winner-${rt.route_table_id}`, value: rt.destination || '', placeholder: 'an IPv4 address' });
  const winnerForm = h('form', { class: 'inline', 'aria-label': 'Longest prefix match for an address' },
    h('label', { for: dest.id, text: 'Longest prefix match for ' }), dest, h('button', { type: 'submit' }, 'Show winner'));
  winnerForm.addEventListener('submit', (event) => { event.preventDefault(); actions.routeWinner(dest.value.trim()); });
  const rows = rt.routes.map((r) => h('tr', { class: r.winner ? 'winner' : '', 'data-route': r.destination },
    h('td', { text: r.destination }), h('td', { text: r.target }),
    h('td', { text: r.state + (r.blackhole_reason ? ` (${r.blackhole_reason})` : '') }),
    h('td', {}, r.winner ? h('strong', { class: 'badge ok', text: '★ winner' }) : ''),
    h('td', {}, r.deletable ? [
      h('button', { type: 'button', class: 'small', 'aria-label': `Edit route ${r.destination} of ${rt.route_table_id}`, onclick: () => openForm(section, editForm(
        `Replace the route to ${r.destination}`, [
          { name: 'DestinationCidrBlock', label: 'Destination', value: r.destination },
          { name: 'Target', label: 'Target (igw-, nat-, pcx-, eni-, tgw-…)', value: r.target }],
        (v) => actions.addEdit({ Action: 'ReplaceRoute', RouteTableId: rt.route_table_id, ...v }))) }, 'Edit'),
      h('button', { type: 'button', class: 'small', 'aria-label': `Delete route ${r.destination} of ${rt.route_table_id}`, onclick: () => actions.addEdit({
        Action: 'DeleteRoute', RouteTableId: rt.route_table_id, DestinationCidrBlock: r.destination }) }, 'Delete')] : h('span', { class: 'muted', text: 'local' }))));
  section.append(
    h('h3', {}, 'Route table ', h('code', { text: rt.route_table_id }), rt.main ? ' (main)' : ''),
    h('p', { class: 'muted', text: `Subnets: ${rt.subnet_ids.join(', ') || 'none'}` }),
    winnerForm,
    rt.destination && !rt.winner ? h('p', { class: 'bad', text: `No route matches ${rt.destination}.` }) : null,
    table('Routes', ['destination', 'target', 'state', 'longest prefix', ''], rows, { class: 'rule-table' }),
    h('button', { type: 'button', class: 'small', onclick: () => openForm(section, editForm(
      `Add a route to ${rt.route_table_id}`, [
        { name: 'DestinationCidrBlock', label: 'Destination', value: '0.0.0.0/0' },
        { name: 'Target', label: 'Target (igw-, nat-, pcx-, eni-, tgw-…)', value: '' }],
      (v) => actions.addEdit({ Action: 'CreateRoute', RouteTableId: rt.route_table_id, ...v }))) }, 'Add route'));
  return section;
}

function fieldList(fields) {
  const rows = [];
  for (const [key, value] of Object.entries(fields || {})) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      rows.push(h('dt', { text: key }), h('dd', {}, fieldList(value)));
    } else if (Array.isArray(value) && value.length && typeof value[0] === 'object') {
      rows.push(h('dt', { text: key }), h('dd', {}, value.map((v) => fieldList(v))));
    } else {
      rows.push(h('dt', { text: key }), h('dd', { text: Array.isArray(value) ? value.join(', ') : String(value) }));
    }
  }
  return h('dl', { class: 'fields' }, rows);
}

export function componentPanel(data, actions) {
  const traceable = ['instance', 'network-interface', 'subnet', 'security-group'].includes(data.type);
  const parts = [
    h('h2', {}, h('span', { class: 'kind', text: data.type }), ' ', data.label),
    h('p', {}, h('code', { text: data.id }), data.edits ? h('strong', { text: ` — as edited (${actions.edits} what-if edits)` }) : null),
  ];
  if (actions.edits) parts.push(h('p', { class: 'muted', text: `Showing the network with ${actions.edits} what-if edit(s) applied.` }));
  if (traceable) {
    parts.push(h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: () => actions.traceFrom(data.id) }, 'Trace from here'),
      h('button', { type: 'button', onclick: () => actions.traceTo(data.id) }, 'Trace to here')));
  }
  const tags = Object.entries(data.tags || {});
  if (tags.length) parts.push(h('details', {}, h('summary', { text: `Tags (${tags.length})` }), fieldList(data.tags)));
  if (data.fields) parts.push(fieldList(data.fields));
  for (const group of data.security_groups || []) parts.push(securityGroup(group, actions));
  if (data.security_group) parts.push(securityGroup(data.security_group, actions));
  if (data.network_acl) parts.push(networkAcl(data.network_acl, actions));
  if (data.route_table) parts.push(routeTable(data.route_table, actions));
  return parts;
}
