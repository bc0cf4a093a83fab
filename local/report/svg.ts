/** Small inline-SVG charts for the self-contained HTML report (no script, no external asset). */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
}

const PALETTE = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#4b5563'];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** The nice step (1, 2 or 5 times a power of ten) that splits `span` into at most `count` intervals. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((s) => s * magnitude).find((s) => s >= raw * (1 - 1e-9))!;
}

/** Axis bounds on multiples of a nice step, so every tick is a round number (0, 500, 1,000 and not 625). */
export function niceAxis(min: number, max: number, count = 5): { readonly lo: number; readonly hi: number; readonly ticks: readonly number[] } {
  const top = max > min ? max : min + 1;
  const step = niceStep(top - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const intervals = Math.max(1, Math.ceil((top - lo) / step - 1e-9));
  const hi = Math.max(top, lo + intervals * step);
  // Tick labels rounded, so 0.1 + 0.2 prints as 0.3; the axis itself keeps the exact bounds.
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => Number((lo + i * step).toPrecision(12)));
  return { lo, hi, ticks };
}

/** A number for a chart: thousands separated, at most three significant digits after the point. */
export function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 1 ? String(Number(v.toPrecision(3))) : v.toFixed(1);
}

/** A horizontal line across a chart at `value`, e.g. an alarm threshold. */
export interface ReferenceLine {
  readonly value: number;
  readonly label: string;
}

export interface ColumnChartOptions {
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
  readonly yLabel?: string;
  /** Unit appended to the tick labels. @default none */
  readonly unit?: string;
  readonly labelEvery?: number;
  /** Lowest value of the y axis (rounded down to a tick). @default 0 */
  readonly yMin?: number;
  /** Highest value of the y axis (rounded up to a tick). @default the largest bar */
  readonly yMax?: number;
  readonly reference?: ReferenceLine;
}

/** Vertical bars with a y axis on round ticks; every `labelEvery`-th x label shown. */
export function columnChart(bars: readonly Bar[], options: ColumnChartOptions): string {
  const width = options.width ?? 860;
  const height = options.height ?? 260;
  const m = { top: 28, right: 12, bottom: 70, left: 84 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const largest = Math.max(0, ...bars.map((b) => b.value), options.reference?.value ?? 0);
  const axis = niceAxis(options.yMin ?? 0, options.yMax ?? largest);
  const yOf = (v: number) => m.top + h - (h * (Math.min(axis.hi, Math.max(axis.lo, v)) - axis.lo)) / (axis.hi - axis.lo);
  const bw = bars.length ? w / bars.length : w;
  const every = options.labelEvery ?? Math.max(1, Math.ceil(bars.length / 24));
  const unit = options.unit ?? '';
  const parts: string[] = [];
  for (const tick of axis.ticks) {
    const y = yOf(tick).toFixed(2);
    parts.push(
      `<line x1="${m.left}" x2="${m.left + w}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${m.left - 6}" y="${(Number(y) + 4).toFixed(2)}" text-anchor="end" class="tick">${escapeXml(fmt(tick) + unit)}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const top = yOf(b.value);
    const x = m.left + i * bw;
    parts.push(
      `<rect x="${(x + bw * 0.1).toFixed(2)}" y="${top.toFixed(2)}" width="${Math.max(1, bw * 0.8).toFixed(2)}" height="${(m.top + h - top).toFixed(2)}" fill="${b.color ?? color(0)}"><title>${escapeXml(`${b.label}: ${fmt(b.value)}${unit}`)}</title></rect>`,
    );
    if (i % every === 0) {
      const lx = x + bw / 2;
      parts.push(
        `<text x="${lx.toFixed(2)}" y="${m.top + h + 12}" transform="rotate(-45 ${lx.toFixed(2)} ${m.top + h + 12})" text-anchor="end" class="tick">${escapeXml(b.label)}</text>`,
      );
    }
  });
  if (options.reference) {
    const y = yOf(options.reference.value).toFixed(2);
    parts.push(
      `<line class="reference" x1="${m.left}" x2="${m.left + w}" y1="${y}" y2="${y}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${m.left + w}" y="${(Number(y) - 4).toFixed(2)}" text-anchor="end" class="tick">${escapeXml(options.reference.label)}</text>`,
    );
  }
  if (options.yLabel)
    parts.push(
      `<text x="14" y="${m.top + h / 2}" transform="rotate(-90 14 ${m.top + h / 2})" text-anchor="middle" class="tick">${escapeXml(options.yLabel)}</text>`,
    );
  return svg(width, height, options.title, parts);
}

/** Horizontal bars with their values, for categories. */
export function barChart(bars: readonly Bar[], options: { title: string; width?: number; unit?: string }): string {
  const width = options.width ?? 860;
  const rowH = 26;
  const m = { top: 28, right: 90, bottom: 8, left: 220 };
  const height = m.top + m.bottom + Math.max(1, bars.length) * rowH;
  const w = width - m.left - m.right;
  const max = Math.max(0, ...bars.map((b) => b.value)) || 1;
  const parts = bars.map((b, i) => {
    const y = m.top + i * rowH;
    const bw = (Math.max(0, b.value) / max) * w;
    return [
      `<text x="${m.left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end" class="label">${escapeXml(b.label)}</text>`,
      `<rect x="${m.left}" y="${y + 4}" width="${bw.toFixed(2)}" height="${rowH - 8}" fill="${b.color ?? color(i)}"><title>${escapeXml(`${b.label}: ${fmt(b.value)}`)}</title></rect>`,
      `<text x="${(m.left + bw + 6).toFixed(2)}" y="${y + rowH / 2 + 4}" class="value">${escapeXml(fmt(b.value) + (options.unit ?? ''))}</text>`,
    ].join('');
  });
  return svg(width, height, options.title, parts);
}

/**
 * Grouped columns on a log10 axis: one group per category, one column per series (p50/p95/p99 per
 * stage). Log scale, because stages differ by orders of magnitude (microseconds to seconds).
 */
export function groupedColumns(
  groups: readonly { label: string; values: readonly number[] }[],
  series: readonly string[],
  options: { title: string; unit: string; width?: number; height?: number },
): string {
  const width = options.width ?? 860;
  const height = options.height ?? 280;
  const m = { top: 28, right: 12, bottom: 60, left: 84 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const finite = groups.flatMap((g) => g.values.filter((v) => Number.isFinite(v) && v > 0));
  const lo = Math.floor(Math.log10(Math.min(1, ...finite)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1, ...finite))));
  const yOf = (v: number) => m.top + h - ((Math.log10(v) - lo) / (hi - lo)) * h;
  const gw = groups.length ? w / groups.length : w;
  const cw = (gw * 0.8) / Math.max(1, series.length);
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const y = yOf(10 ** e);
    parts.push(
      `<line x1="${m.left}" x2="${m.left + w}" y1="${y.toFixed(2)}" y2="${y.toFixed(2)}" stroke="#e5e7eb"/>`,
      `<text x="${m.left - 6}" y="${(y + 4).toFixed(2)}" text-anchor="end" class="tick">${escapeXml(fmt(10 ** e) + ' ' + options.unit)}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v) || v <= 0) return;
      const top = Math.min(m.top + h, yOf(Math.max(v, 10 ** lo)));
      const x = m.left + gi * gw + gw * 0.1 + si * cw;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${top.toFixed(2)}" width="${Math.max(1, cw - 2).toFixed(2)}" height="${(m.top + h - top).toFixed(2)}" fill="${color(si)}"><title>${escapeXml(`${g.label} ${series[si]}: ${fmt(v)} ${options.unit}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${(m.left + gi * gw + gw / 2).toFixed(2)}" y="${m.top + h + 16}" text-anchor="middle" class="label">${escapeXml(g.label)}</text>`);
  });
  series.forEach((s, si) => {
    const x = m.left + si * 90;
    parts.push(
      `<rect x="${x}" y="${height - 18}" width="12" height="12" fill="${color(si)}"/><text x="${x + 16}" y="${height - 8}" class="tick">${escapeXml(s)}</text>`,
    );
  });
  return svg(width, height, options.title, parts);
}

function svg(width: number, height: number, title: string, parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${parts.join('')}</svg>`;
}
