// Copyright 2026 the arcly authors. MIT license.

/** One bar group of the chart: a listener count, and a value per peer. */
export interface BarGroup {
  /** The label under the group. */
  label: string;
  /** Emits per second, by peer name; a missing peer draws no bar. */
  values: Record<string, number>;
}

/** One panel of the chart. */
export interface Panel {
  /** The panel title. */
  title: string;
  /** Groups, left to right. */
  groups: BarGroup[];
}

const PALETTE: readonly string[] = [
  "#d9480f", // this package
  "#343a40", // the floor
  "#5c7cfa",
  "#20c997",
  "#845ef7",
  "#fab005",
  "#868e96",
];

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** `12345678` as `12.3M`. */
export function short(value: number): string {
  const units: [number, string][] = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, unit] of units) {
    if (value >= scale) {
      const scaled = value / scale;
      return `${
        scaled >= 100 ? scaled.toFixed(0) : scaled.toPrecision(3)
      }${unit}`;
    }
  }
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** A power of ten as `10`, `100`, `1k`, `10M`. */
function tick(exponent: number): string {
  const units = ["", "k", "M", "G"];
  const unit = Math.min(Math.floor(exponent / 3), units.length - 1);
  return `${10 ** (exponent - unit * 3)}${units[unit]}`;
}

/**
 * A grouped bar chart on a log scale, one panel above the other, with a
 * legend of `peers` in order (the first is highlighted).
 */
export function barChart(
  title: string,
  subtitle: string,
  peers: readonly string[],
  panels: readonly Panel[],
): string {
  const width = 960;
  const left = 70;
  const right = 20;
  const panelHeight = 250;
  const panelGap = 70;
  const top = 110;
  const height = top + panels.length * (panelHeight + panelGap) + 10;
  const all = panels.flatMap((panel) =>
    panel.groups.flatMap((group) => Object.values(group.values))
  ).filter((value) => value > 0);
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="30" font-size="20" font-weight="600" fill="#212529">${
      escape(title)
    }</text>`,
    `<text x="${left}" y="52" font-size="13" fill="#495057">${
      escape(subtitle)
    }</text>`,
  );
  // Legend.
  let lx = left;
  peers.forEach((peer, i) => {
    out.push(
      `<rect x="${lx}" y="68" width="14" height="14" rx="2" fill="${
        PALETTE[i % PALETTE.length]
      }"/>`,
      `<text x="${lx + 20}" y="80" font-size="13" fill="#212529"${
        i === 0 ? ' font-weight="700"' : ""
      }>${escape(peer)}</text>`,
    );
    lx += 34 + peer.length * 7.5;
  });
  panels.forEach((panel, p) => {
    const y0 = top + p * (panelHeight + panelGap) + 20;
    const plotWidth = width - left - right;
    const yOf = (value: number) =>
      y0 + panelHeight -
      ((Math.log10(value) - lo) / (hi - lo)) * panelHeight;
    out.push(
      `<text x="${left}" y="${
        y0 - 8
      }" font-size="15" font-weight="600" fill="#212529">${
        escape(panel.title)
      }</text>`,
    );
    for (let e = lo; e <= hi; e++) {
      const y = yOf(10 ** e);
      out.push(
        `<line x1="${left}" x2="${
          width - right
        }" y1="${y}" y2="${y}" stroke="#dee2e6" stroke-width="1"/>`,
        `<text x="${left - 8}" y="${
          y + 4
        }" font-size="11" text-anchor="end" fill="#495057">${tick(e)}/s</text>`,
      );
    }
    const groupWidth = plotWidth / panel.groups.length;
    const barWidth = Math.min(30, (groupWidth - 16) / peers.length);
    panel.groups.forEach((group, g) => {
      const gx = left + g * groupWidth +
        (groupWidth - barWidth * peers.length) / 2;
      peers.forEach((peer, i) => {
        const value = group.values[peer];
        if (value === undefined || !(value > 0)) return;
        const x = gx + i * barWidth;
        const y = yOf(value);
        out.push(
          `<rect x="${x + 1}" y="${y}" width="${barWidth - 2}" height="${
            y0 + panelHeight - y
          }" fill="${PALETTE[i % PALETTE.length]}"><title>${
            escape(`${peer}, ${group.label}: ${short(value)} emits/s`)
          }</title></rect>`,
          `<text x="${x + barWidth / 2}" y="${
            y - 4
          }" font-size="9" text-anchor="middle" fill="#343a40"${
            i === 0 ? ' font-weight="700"' : ""
          }>${short(value)}</text>`,
        );
      });
      out.push(
        `<text x="${left + g * groupWidth + groupWidth / 2}" y="${
          y0 + panelHeight + 20
        }" font-size="13" text-anchor="middle" fill="#212529">${
          escape(group.label)
        }</text>`,
      );
    });
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y0 + panelHeight}" y2="${
        y0 + panelHeight
      }" stroke="#495057" stroke-width="1"/>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
