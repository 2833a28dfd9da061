const SVG = 'http://www.w3.org/2000/svg';
const W = 240;
const H = 60;

/** A small line chart in plain SVG: the last `capacity` values, scaled to the largest. */
export class Sparkline {
  readonly element: HTMLElement;
  private readonly values: number[] = [];
  private readonly line: SVGPolylineElement;
  private readonly area: SVGPolygonElement;
  private readonly now: HTMLElement;
  private readonly max: HTMLElement;

  constructor(
    readonly key: string,
    label: string,
    color: string,
    private readonly capacity = 60,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.element.dataset['chart'] = key;
    const head = document.createElement('div');
    head.className = 'head';
    const name = document.createElement('span');
    name.textContent = label;
    this.now = document.createElement('span');
    this.now.className = 'now';
    head.append(name, this.now);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    this.area = document.createElementNS(SVG, 'polygon');
    this.area.setAttribute('fill', color);
    this.area.setAttribute('fill-opacity', '0.15');
    this.line = document.createElementNS(SVG, 'polyline');
    this.line.setAttribute('fill', 'none');
    this.line.setAttribute('stroke', color);
    this.line.setAttribute('stroke-width', '1.5');
    this.line.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(this.area, this.line);
    this.max = document.createElement('div');
    this.max.className = 'muted';
    this.max.style.fontSize = '11px';
    this.element.append(head, svg, this.max);
  }

  /** Adds a value (`null`: unknown, drawn as 0 and shown as —). */
  push(value: number | null, format: (n: number) => string = String): void {
    this.values.push(value ?? 0);
    if (this.values.length > this.capacity) this.values.shift();
    const peak = Math.max(0, ...this.values);
    const top = Math.max(1, peak);
    const step = W / (this.capacity - 1);
    const offset = this.capacity - this.values.length;
    const points = this.values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(H - 2 - (v / top) * (H - 4)).toFixed(1)}`);
    this.line.setAttribute('points', points.join(' '));
    const first = ((offset * step).toFixed(1));
    this.area.setAttribute('points', points.length > 0 ? `${first},${H} ${points.join(' ')} ${W},${H}` : '');
    this.now.textContent = value === null ? '—' : format(value);
    this.max.textContent = `peak ${format(peak)} · last ${this.values.length} samples`;
  }
}
