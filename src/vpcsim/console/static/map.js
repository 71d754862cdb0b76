// The map: cytoscape draws the boxes vpcsim laid out (positions come from the server; no
// layout runs here). Containers are plain nodes sized to their box and drawn below their
// children; labels are canvas text (inert).
import cytoscape from './vendor/cytoscape.esm.min.mjs';
import { api, short } from './dom.js';

const CONTAINERS = new Set(['region', 'vpc', 'availability-zone', 'subnet']);
const KIND_TEXT = {
  'internet-gateway': 'IGW', 'egress-only-internet-gateway': 'EIGW', 'vpn-gateway': 'VGW',
  'vpc-endpoint': 'endpoint', 'transit-gateway': 'TGW', 'vpc-peering-connection': 'peering',
  'nat-gateway': 'NAT', 'network-interface': 'ENI', instance: '', collapsed: '', internet: '',
};

function nodeLabel(node) {
  if (CONTAINERS.has(node.kind)) {
    const kind = node.kind === 'availability-zone' ? 'AZ' : node.kind.toUpperCase();
    return node.sublabel ? `${kind}  ${short(node.label, 40)}\n${short(node.sublabel, 46)}` : `${kind}  ${short(node.label, 40)}`;
  }
  const tag = KIND_TEXT[node.kind] ? `${KIND_TEXT[node.kind]} ` : '';
  const lines = String(node.sublabel || '').split('\n').map((line) => short(line, 28));
  return [`${tag}${short(node.label, 24)}`, ...lines].join('\n');
}

const STYLE = [
  { selector: 'node', style: {
    shape: 'round-rectangle', width: 'data(w)', height: 'data(h)', label: 'data(text)',
    'font-family': 'system-ui, sans-serif', 'font-size': 11, color: '#1d2430',
    'text-wrap': 'wrap', 'text-max-width': 'data(tw)', 'text-valign': 'center', 'text-halign': 'center',
    'background-color': '#ffffff', 'border-width': 1, 'border-color': '#5b6b80',
    'z-index-compare': 'manual', 'z-index': 'data(z)',
    // a label too small to read is not drawn (a whole estate in view: 1,000 boxes, no text to
    // lay out); zooming in shows them
    'min-zoomed-font-size': 6,
  } },
  { selector: 'node.container', style: {
    'text-valign': 'bottom', 'text-halign': 'right',
    'text-margin-x': 'data(tx)', 'text-margin-y': 'data(ty)', 'font-size': 12,
  } },
  { selector: 'node[kind = "region"]', style: { 'background-color': '#f4f6f9', 'border-style': 'dashed', 'font-weight': 'bold' } },
  { selector: 'node[kind = "vpc"]', style: { 'background-color': '#eef5ec', 'border-color': '#3b7a2e', 'border-width': 2, 'font-weight': 'bold' } },
  { selector: 'node[kind = "availability-zone"]', style: { 'background-color': '#f7faff', 'border-style': 'dashed', 'border-color': '#4a78b5' } },
  { selector: 'node[kind = "subnet"]', style: { 'background-color': '#e4eefb', 'border-color': '#2f5f9e' } },
  { selector: 'node[kind = "instance"]', style: { 'background-color': '#fff7e6', 'border-color': '#b26b00' } },
  { selector: 'node[kind = "network-interface"]', style: { 'background-color': '#fffbe0', 'border-color': '#8a7a00' } },
  { selector: 'node[kind = "nat-gateway"]', style: { 'background-color': '#efe6ff', 'border-color': '#6b3fb2' } },
  { selector: 'node[kind = "collapsed"]', style: { 'background-color': '#eceff3', 'border-style': 'dotted' } },
  { selector: 'node.edge-gw, node[kind = "internet"], node[kind = "vpc-peering-connection"], node[kind = "transit-gateway"]', style: {
    'background-color': '#fdecec', 'border-color': '#a33', shape: 'round-tag',
  } },
  { selector: 'node[kind = "internet"]', style: { shape: 'ellipse', 'background-color': '#e8f1ff', 'border-color': '#335' } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': '#8a96a8', 'curve-style': 'straight', 'z-index-compare': 'manual', 'z-index': 90,
  } },
  { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#111' } },
  { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#d4a000', 'border-style': 'double' } },
  { selector: 'node.src', style: { 'border-width': 5, 'border-color': '#1f5fbf' } },
  { selector: 'node.dst', style: { 'border-width': 5, 'border-color': '#1f5fbf', 'border-style': 'double' } },
  { selector: 'node.on-path', style: { 'border-width': 4, 'border-color': '#1f5fbf', 'background-blacken': -0.1 } },
  { selector: 'node.blocked', style: { 'border-width': 6, 'border-color': '#d11', 'background-color': '#ffe1e1' } },
  { selector: 'edge.fwd', style: {
    width: 5, 'line-color': '#1f5fbf', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#1f5fbf',
    'curve-style': 'bezier', 'z-index': 100, label: 'data(step)', 'font-size': 11, 'text-background-color': '#fff',
    'text-background-opacity': 1, color: '#1f5fbf',
  } },
  { selector: 'edge.ret', style: {
    width: 3, 'line-color': '#2e8b57', 'line-style': 'dashed', 'target-arrow-shape': 'triangle',
    'target-arrow-color': '#2e8b57', 'curve-style': 'bezier', 'control-point-step-size': 30, 'z-index': 99,
  } },
  { selector: 'edge.blocked', style: { 'line-color': '#d11', 'target-arrow-color': '#d11' } },
  { selector: 'node.exp-high', style: { 'border-width': 5, 'border-color': '#c0001a', 'background-color': '#ffd9dc' } },
  { selector: 'node.exp-medium', style: { 'border-width': 4, 'border-color': '#d56a00', 'background-color': '#ffe9d2' } },
  { selector: 'node.exp-low', style: { 'border-width': 3, 'border-color': '#9a8a00', 'background-color': '#fffbd0' } },
  { selector: 'node.diff', style: { 'border-width': 5, 'border-color': '#7a1fbf', 'background-color': '#f3e3ff' } },
];

export class NetworkMap {
  constructor(container, { onSelect }) {
    this.onSelect = onSelect;
    this.container = container;
    this.cy = cytoscape({
      container, style: STYLE, elements: [], autoungrabify: true, boxSelectionEnabled: false,
      minZoom: 0.02, maxZoom: 3, textureOnViewport: true, hideEdgesOnViewport: true,
    });
    this.owner = new Map(); // any id (ENI, route table, ACL...) -> the box that stands for it
    this.asked = new Set(); // ids already asked the server about (api/owners)
    this.nodes = new Map();
    this.cy.on('tap', 'node', (event) => this.onSelect(event.target.id()));
  }

  load(topology) {
    this.nodes = new Map(topology.nodes.map((n) => [n.id, n]));
    this.owner = new Map();
    this.asked = new Set();
    const elements = [];
    for (const n of topology.nodes) {
      this.owner.set(n.id, n.id);
      for (const m of n.members || []) if (!this.owner.has(m)) this.owner.set(m, n.id);
      const container = CONTAINERS.has(n.kind);
      elements.push({
        group: 'nodes',
        data: {
          id: n.id, kind: n.kind, w: n.w, h: n.h, text: nodeLabel(n), z: n.on_edge ? 50 : n.depth,
          tw: container ? Math.max(n.w - 28, 60) : n.w - 10, tx: -n.w + 12, ty: -n.h + 6,
          label: n.label,
        },
        position: { x: n.x + n.w / 2, y: n.y + n.h / 2 },
        classes: [container ? 'container' : 'leaf', n.on_edge ? 'edge-gw' : ''].join(' '),
      });
    }
    for (const link of topology.links) {
      elements.push({ group: 'edges', data: { id: link.id, source: link.source, target: link.target, kind: link.kind } });
    }
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(elements);
    });
    this.view(topology);
  }

  // The whole map in view, from the size the server laid it out at: no bounding box of every
  // label to measure first (cy.fit), which costs seconds on a big estate.
  view(topology) {
    const pad = 20;
    const width = Math.max(this.container.clientWidth - 2 * pad, 50);
    const height = Math.max(this.container.clientHeight - 2 * pad, 50);
    if (!topology.width || !topology.height) return;
    const zoom = Math.min(Math.max(Math.min(width / topology.width, height / topology.height), 0.02), 3);
    this.cy.viewport({
      zoom,
      pan: {
        x: pad + (width - topology.width * zoom) / 2,
        y: pad + (height - topology.height * zoom) / 2,
      },
    });
  }

  boxOf(id) {
    return this.owner.get(id);
  }

  // A collapsed subnet's box does not list what it hides (a big estate: megabytes of ids):
  // before ids are shown on the map, the server says which subnet holds those not known yet.
  async learn(ids) {
    const unknown = [...new Set(ids)].filter((id) => id && !this.owner.has(id) && !this.asked.has(id));
    if (!unknown.length) return;
    for (const id of unknown) this.asked.add(id);
    const nodes = this.nodes;
    let data;
    try {
      data = await api('api/owners', { ids: unknown });
    } catch (error) {
      for (const id of unknown) this.asked.delete(id);
      return; // the ids stay off the map; the panels show them all the same
    }
    if (nodes !== this.nodes) return; // the map was drawn again meanwhile
    for (const [id, subnet] of Object.entries(data.owners)) {
      const box = nodes.has(`collapsed:${subnet}`) ? `collapsed:${subnet}` : nodes.has(subnet) ? subnet : null;
      if (box) this.owner.set(id, box);
    }
  }

  select(id) {
    const box = this.boxOf(id);
    this.cy.$(':selected').unselect();
    if (!box) return;
    const node = this.cy.getElementById(box);
    node.select();
    this.cy.center(node);
  }

  mark(ids, cls) {
    this.cy.nodes().removeClass(cls);
    for (const id of ids) {
      const box = this.boxOf(id);
      if (box) this.cy.getElementById(box).addClass(cls);
    }
    if (cls === 'diff') this.relabel();
  }

  // A box's label: its name and id, then what an overlay says of it, in words as well as in
  // colour (the exposure's severity, a diff's change).
  relabel() {
    for (const node of this.cy.nodes()) {
      const n = this.nodes.get(node.id());
      if (!n) continue;
      const lines = [];
      const severity = this.severities && this.severities.get(node.id());
      if (severity) lines.push(`⚠ ${severity.toUpperCase()} exposed`);
      if (node.hasClass('diff')) lines.push('⇄ traffic changed');
      node.data('text', [...lines, nodeLabel(n)].join('\n'));
    }
  }

  clearPath() {
    this.cy.remove('edge.path');
    this.cy.nodes().removeClass('src dst on-path blocked');
  }

  // The path of a trace: boxes of its hops, arrows between them (forward solid blue,
  // return dashed green), the blocking hops red.
  showPath(path) {
    this.clearPath();
    // Every hop's box is outlined; arrows join the boxes that are not containers (instances,
    // ENIs, gateways, the internet), so the arrows never run between nested boxes.
    const add = (hops, cls) => {
      const boxes = [];
      for (const hop of hops) {
        // a route table may serve several subnets: the subnet hop before it is on the map
        if (hop.startsWith('rtb-')) continue;
        const box = this.boxOf(hop);
        if (!box) continue;
        this.cy.getElementById(box).addClass('on-path');
        const n = this.nodes.get(box);
        if (n && !CONTAINERS.has(n.kind) && boxes[boxes.length - 1] !== box) boxes.push(box);
      }
      boxes.forEach((box, i) => {
        if (i === 0) return;
        this.cy.add({
          group: 'edges', classes: `path ${cls}`,
          data: { id: `path-${cls}-${i}`, source: boxes[i - 1], target: box, step: cls === 'fwd' ? String(i) : '' },
        });
      });
      return boxes;
    };
    const fwd = add(path.forward, 'fwd');
    add(path.return, 'ret');
    if (fwd.length) {
      this.cy.getElementById(fwd[0]).addClass('src');
      if (fwd.length > 1) this.cy.getElementById(fwd[fwd.length - 1]).addClass('dst');
    }
    for (const hop of path.blocked) {
      const box = this.boxOf(hop);
      if (box) this.cy.getElementById(box).addClass('blocked');
    }
  }

  // Exposure: a class per severity; the label gets the severity too (colour is never alone).
  showExposure(findings, on) {
    this.cy.nodes().removeClass('exp-high exp-medium exp-low');
    const order = { high: 0, medium: 1, low: 2 };
    const worst = new Map();
    if (on) {
      for (const f of findings) {
        for (const id of [f.instance, f.eni]) {
          const box = id && this.boxOf(id);
          if (box && (!worst.has(box) || order[f.severity] < order[worst.get(box)])) worst.set(box, f.severity);
        }
      }
    }
    this.severities = worst;
    for (const [box, severity] of worst) this.cy.getElementById(box).addClass(`exp-${severity}`);
    this.relabel();
  }

  boundingBoxes() {
    return this.cy.nodes().map((n) => ({ id: n.id(), kind: n.data('kind'), ...n.boundingBox({ includeLabels: false }) }));
  }
}
