// The Build tab (vpcsim serve only): the tutorial's console steps as forms -- create a VPC,
// subnets, an internet gateway (attached) and routes, a NAT gateway, security groups and their
// rules, network ACL entries, launch instances. Every form posts EC2 Query requests to the
// server's own EC2 API (the summary's `ec2_api`), so what is created is validated and stored
// exactly as a boto3 or AWS CLI call would be: there is no other write path. The answers are
// EC2's XML, read with DOMParser (as data, never as HTML).
import { api, clear, h, short } from './dom.js';

const EC2_VERSION = '2016-11-15';

// ------------------------------------------------------------------ the EC2 Query API

function scopeField(scope) {
  // The account and region a request is for, as SigV4's query-string credential scope names
  // them (`X-Amz-Credential`): the server reads the scope from it; the page cannot sign.
  if (!scope || !scope.region) return {};
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return { 'X-Amz-Credential': `${scope.account || 'console'}/${date}/${scope.region}/ec2/aws4_request` };
}

export async function ec2(endpoint, action, params, scope) {
  const form = new URLSearchParams({ Action: action, Version: EC2_VERSION, ...scopeField(scope) });
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') form.append(key, String(value));
  }
  const response = await fetch(endpoint, {
    method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
  });
  const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
  const code = doc.querySelector('Errors Error Code, Error Code');
  if (!response.ok || code) {
    const message = doc.querySelector('Errors Error Message, Error Message');
    throw new Error(`${code ? code.textContent : `HTTP ${response.status}`}: ${message ? message.textContent : action}`);
  }
  return doc;
}

function first(doc, tag) {
  const el = doc.getElementsByTagName(tag)[0];
  return el ? el.textContent : null;
}

function nameTag(resourceType, name) {
  return name ? {
    'TagSpecification.1.ResourceType': resourceType,
    'TagSpecification.1.Tag.1.Key': 'Name',
    'TagSpecification.1.Tag.1.Value': name,
  } : {};
}

// ------------------------------------------------------------------ the forms

const PROTOCOLS = [['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP'], ['-1', 'All traffic']];
const ACL_PROTOCOLS = [['6', 'TCP (6)'], ['17', 'UDP (17)'], ['1', 'ICMP (1)'], ['-1', 'All traffic']];

// Each form: fields (text, number, checkbox, a fixed choice, or a picker of resources of a
// kind) and `run(values, ctx)`, which makes the EC2 requests and says what it created.
const FORMS = [
  {
    id: 'vpc', title: 'Create VPC',
    fields: [
      { name: 'cidr', label: 'IPv4 CIDR block', required: true, placeholder: '10.0.0.0/16' },
      { name: 'name', label: 'Name tag' },
      // the region of the VPCs already there (blank: the server's default region)
      { name: 'region', label: 'Region', placeholder: 'us-east-1', value: (lists) => (lists.vpcs[0] || {}).region },
    ],
    async run(v, ctx) {
      const doc = await ctx.ec2('CreateVpc', { CidrBlock: v.cidr, ...nameTag('vpc', v.name) },
        v.region ? { region: v.region } : null);
      return `Created VPC ${first(doc, 'vpcId')}`;
    },
  },
  {
    id: 'subnet', title: 'Create subnet',
    fields: [
      { name: 'vpc', label: 'VPC', pick: 'vpcs', required: true },
      { name: 'cidr', label: 'IPv4 CIDR block', required: true, placeholder: '10.0.1.0/24' },
      { name: 'az', label: 'Availability zone (blank: any)', placeholder: 'us-east-1a' },
      { name: 'name', label: 'Name tag' },
      { name: 'public', label: 'Auto-assign public IPv4 address', type: 'checkbox' },
    ],
    async run(v, ctx) {
      const vpc = ctx.item('vpcs', v.vpc);
      const doc = await ctx.ec2('CreateSubnet', {
        VpcId: v.vpc, CidrBlock: v.cidr, AvailabilityZone: v.az, ...nameTag('subnet', v.name),
      }, vpc);
      const id = first(doc, 'subnetId');
      if (v.public) await ctx.ec2('ModifySubnetAttribute', { SubnetId: id, 'MapPublicIpOnLaunch.Value': 'true' }, vpc);
      return `Created subnet ${id}${v.public ? ' (public addresses on launch)' : ''}`;
    },
  },
  {
    id: 'igw', title: 'Create internet gateway and attach it',
    fields: [
      { name: 'vpc', label: 'VPC to attach it to', pick: 'vpcs', required: true },
      { name: 'name', label: 'Name tag' },
    ],
    async run(v, ctx) {
      const vpc = ctx.item('vpcs', v.vpc);
      const id = first(await ctx.ec2('CreateInternetGateway', nameTag('internet-gateway', v.name), vpc), 'internetGatewayId');
      await ctx.ec2('AttachInternetGateway', { InternetGatewayId: id, VpcId: v.vpc }, vpc);
      return `Created ${id} and attached it to ${v.vpc}`;
    },
  },
  {
    id: 'rtb', title: 'Create route table',
    fields: [
      { name: 'vpc', label: 'VPC', pick: 'vpcs', required: true },
      { name: 'subnet', label: 'Associate with subnet (optional)', pick: 'subnets' },
      { name: 'name', label: 'Name tag' },
    ],
    async run(v, ctx) {
      const vpc = ctx.item('vpcs', v.vpc);
      const id = first(await ctx.ec2('CreateRouteTable', { VpcId: v.vpc, ...nameTag('route-table', v.name) }, vpc), 'routeTableId');
      if (v.subnet) await ctx.ec2('AssociateRouteTable', { RouteTableId: id, SubnetId: v.subnet }, vpc);
      return `Created ${id}${v.subnet ? ` and associated it with ${v.subnet}` : ''}`;
    },
  },
  {
    id: 'route', title: 'Add route',
    fields: [
      { name: 'table', label: 'Route table', pick: 'route_tables', required: true },
      { name: 'destination', label: 'Destination CIDR', required: true, value: '0.0.0.0/0' },
      { name: 'target', label: 'Target', pick: 'route_targets', required: true },
    ],
    async run(v, ctx) {
      const target = ctx.item('route_targets', v.target);
      await ctx.ec2('CreateRoute', {
        RouteTableId: v.table, DestinationCidrBlock: v.destination, [target.param]: v.target,
      }, ctx.item('route_tables', v.table));
      return `Added ${v.destination} → ${v.target} to ${v.table}`;
    },
  },
  {
    id: 'nat', title: 'Create NAT gateway',
    fields: [
      { name: 'subnet', label: 'Subnet (a public one)', pick: 'subnets', required: true },
      { name: 'name', label: 'Name tag' },
    ],
    async run(v, ctx) {
      const subnet = ctx.item('subnets', v.subnet);
      const allocation = first(await ctx.ec2('AllocateAddress', { Domain: 'vpc' }, subnet), 'allocationId');
      const doc = await ctx.ec2('CreateNatGateway', {
        SubnetId: v.subnet, AllocationId: allocation, ...nameTag('natgateway', v.name),
      }, subnet);
      return `Created ${first(doc, 'natGatewayId')} with the Elastic IP ${allocation}`;
    },
  },
  {
    id: 'sg', title: 'Create security group',
    fields: [
      { name: 'vpc', label: 'VPC', pick: 'vpcs', required: true },
      { name: 'group_name', label: 'Group name', required: true },
      { name: 'description', label: 'Description', required: true, value: 'created in the vpcsim console' },
    ],
    async run(v, ctx) {
      const doc = await ctx.ec2('CreateSecurityGroup', {
        VpcId: v.vpc, GroupName: v.group_name, GroupDescription: v.description,
      }, ctx.item('vpcs', v.vpc));
      return `Created security group ${first(doc, 'groupId')}`;
    },
  },
  {
    id: 'sgrule', title: 'Add security group rule',
    fields: [
      { name: 'group', label: 'Security group', pick: 'security_groups', required: true },
      { name: 'direction', label: 'Direction', choices: [['ingress', 'Inbound'], ['egress', 'Outbound']] },
      { name: 'protocol', label: 'Protocol', choices: PROTOCOLS },
      { name: 'from', label: 'From port (ICMP: type)', type: 'number', value: '22' },
      { name: 'to', label: 'To port (ICMP: code)', type: 'number', value: '22' },
      { name: 'cidr', label: 'Peer CIDR', placeholder: '0.0.0.0/0' },
      { name: 'peer_group', label: 'or peer security group', pick: 'security_groups' },
    ],
    async run(v, ctx) {
      const params = { GroupId: v.group, 'IpPermissions.1.IpProtocol': v.protocol };
      if (v.protocol !== '-1') {
        params['IpPermissions.1.FromPort'] = v.from;
        params['IpPermissions.1.ToPort'] = v.to === '' ? v.from : v.to;
      }
      if (v.cidr) params['IpPermissions.1.IpRanges.1.CidrIp'] = v.cidr;
      if (v.peer_group) params['IpPermissions.1.Groups.1.GroupId'] = v.peer_group;
      const action = v.direction === 'egress' ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress';
      await ctx.ec2(action, params, ctx.item('security_groups', v.group));
      return `${action} on ${v.group}`;
    },
  },
  {
    id: 'aclentry', title: 'Add network ACL entry',
    fields: [
      { name: 'acl', label: 'Network ACL', pick: 'network_acls', required: true },
      { name: 'direction', label: 'Direction', choices: [['false', 'Inbound'], ['true', 'Outbound']] },
      { name: 'number', label: 'Rule number', type: 'number', required: true, value: '100' },
      { name: 'action', label: 'Action', choices: [['allow', 'Allow'], ['deny', 'Deny']] },
      { name: 'protocol', label: 'Protocol', choices: ACL_PROTOCOLS },
      { name: 'cidr', label: 'CIDR block', required: true, value: '0.0.0.0/0' },
      { name: 'from', label: 'From port', type: 'number', value: '22' },
      { name: 'to', label: 'To port', type: 'number', value: '22' },
    ],
    async run(v, ctx) {
      const params = {
        NetworkAclId: v.acl, RuleNumber: v.number, Egress: v.direction, RuleAction: v.action,
        Protocol: v.protocol, CidrBlock: v.cidr,
      };
      if (v.protocol === '6' || v.protocol === '17') {
        params['PortRange.From'] = v.from;
        params['PortRange.To'] = v.to === '' ? v.from : v.to;
      }
      if (v.protocol === '1') { params['Icmp.Type'] = '-1'; params['Icmp.Code'] = '-1'; }
      await ctx.ec2('CreateNetworkAclEntry', params, ctx.item('network_acls', v.acl));
      return `Added ${v.direction === 'true' ? 'outbound' : 'inbound'} rule ${v.number} to ${v.acl}`;
    },
  },
  {
    id: 'instance', title: 'Launch instance',
    fields: [
      { name: 'subnet', label: 'Subnet', pick: 'subnets', required: true },
      { name: 'groups', label: 'Security groups (none: the VPC\'s default)', pick: 'security_groups', multiple: true },
      { name: 'ip', label: 'Private IPv4 address (blank: the next free one)', placeholder: '10.0.1.10' },
      { name: 'public', label: 'Assign a public IPv4 address', choices: [['', 'as the subnet says'], ['true', 'yes'], ['false', 'no']] },
      { name: 'name', label: 'Name tag' },
      { name: 'image', label: 'AMI', required: true, value: 'ami-0abcdef1234567890' },
      { name: 'type', label: 'Instance type', required: true, value: 't3.micro' },
    ],
    async run(v, ctx) {
      const params = { ImageId: v.image, InstanceType: v.type, MinCount: 1, MaxCount: 1, ...nameTag('instance', v.name) };
      if (v.public) {
        Object.assign(params, {
          'NetworkInterface.1.DeviceIndex': 0, 'NetworkInterface.1.SubnetId': v.subnet,
          'NetworkInterface.1.AssociatePublicIpAddress': v.public, 'NetworkInterface.1.PrivateIpAddress': v.ip,
        });
        v.groups.forEach((g, i) => { params[`NetworkInterface.1.SecurityGroupId.${i + 1}`] = g; });
      } else {
        Object.assign(params, { SubnetId: v.subnet, PrivateIpAddress: v.ip });
        v.groups.forEach((g, i) => { params[`SecurityGroupId.${i + 1}`] = g; });
      }
      const doc = await ctx.ec2('RunInstances', params, ctx.item('subnets', v.subnet));
      return `Launched ${first(doc, 'instanceId')} (${first(doc, 'privateIpAddress')})`;
    },
  },
];

function optionText(kind, item) {
  const extra = item.cidr || item.group_name || (item.vpc ? `in ${item.vpc}` : '') || (item.vpcs ? item.vpcs.join(' ') : '');
  return short(`${item.name ? `${item.name} · ` : ''}${item.id}${extra ? ` · ${extra}` : ''}`, 90);
}

function field(form, spec, lists) {
  const id = `build-${form.id}-${spec.name}`;
  let input;
  if (spec.pick) {
    const items = lists[spec.pick] || [];
    input = h('select', { id, name: spec.name, required: spec.required, multiple: spec.multiple, size: spec.multiple ? 4 : undefined },
      spec.required || spec.multiple ? null : h('option', { value: '', text: '(none)' }),
      items.map((item) => h('option', { value: item.id, text: optionText(spec.pick, item) })));
  } else if (spec.choices) {
    input = h('select', { id, name: spec.name }, spec.choices.map(([value, text]) => h('option', { value, text })));
  } else {
    input = h('input', {
      id, name: spec.name, type: spec.type || 'text', required: spec.required, placeholder: spec.placeholder,
      value: typeof spec.value === 'function' ? spec.value(lists) : spec.value, autocomplete: 'off',
    });
  }
  return spec.type === 'checkbox'
    ? h('div', { class: 'field check' }, input, h('label', { for: id, text: spec.label }))
    : h('div', { class: 'field' }, h('label', { for: id, text: spec.label }), input);
}

function values(formEl, spec) {
  const out = {};
  for (const f of spec.fields) {
    const el = formEl.elements.namedItem(f.name);
    if (f.type === 'checkbox') out[f.name] = el.checked;
    else if (f.multiple) out[f.name] = [...el.selectedOptions].map((o) => o.value);
    else out[f.name] = el.value.trim();
  }
  return out;
}

// The panel: one collapsible form per step; `onChange` is called after a change was made (the
// map is redrawn at once instead of at the next poll).
export async function buildPanel(panel, endpoint, onChange) {
  clear(panel, h('p', { text: 'Loading…' }));
  const lists = await api('api/resources');
  const byId = new Map();
  for (const [kind, items] of Object.entries(lists)) {
    if (Array.isArray(items)) for (const item of items) byId.set(`${kind}:${item.id}`, item);
  }
  const ctx = {
    ec2: (action, params, scope) => ec2(endpoint, action, params, scope),
    item: (kind, id) => byId.get(`${kind}:${id}`) || null,
  };
  const result = h('div', { id: 'build-result', role: 'status', 'aria-live': 'polite', tabindex: '-1' });
  const open = panel.dataset.open || '';
  clear(panel,
    h('h2', { text: 'Build' }),
    h('p', { class: 'muted', text: 'Each form sends EC2 API requests to this server, as boto3 or the AWS CLI would: what it creates is checked by the same rules and shows on the map.' }),
    result,
    FORMS.map((spec) => {
      const formEl = h('form', { class: 'build-form', 'aria-label': spec.title, 'data-form': spec.id },
        h('fieldset', {}, h('legend', { text: spec.title }), spec.fields.map((f) => field(spec, f, lists)),
          h('button', { type: 'submit', id: `build-${spec.id}-go` }, spec.title)));
      formEl.addEventListener('submit', async (event) => {
        event.preventDefault();
        const button = formEl.querySelector('button[type=submit]');
        button.disabled = true;
        panel.dataset.busy = 'true'; // the page's poll leaves the panel alone meanwhile
        clear(result, h('p', { text: `${spec.title}…` }));
        try {
          const text = await spec.run(values(formEl, spec), ctx);
          panel.dataset.open = spec.id;
          await onChange(); // the map first, then the pickers with what was just created
          await buildPanel(panel, endpoint, onChange);
          const shown = $result(panel);
          clear(shown, h('p', { class: 'ok', 'data-testid': 'build-ok', text: text }));
          shown.focus(); // the form was drawn again: the keyboard goes on from the answer
        } catch (error) {
          button.disabled = false;
          clear(result, h('p', { class: 'error', role: 'alert', 'data-testid': 'build-error', text: error.message }));
        } finally {
          delete panel.dataset.busy;
        }
      });
      return h('details', { class: 'build', open: spec.id === open, 'data-step': spec.id },
        h('summary', { text: spec.title }), formEl);
    }));
}

function $result(panel) {
  return panel.querySelector('#build-result');
}
