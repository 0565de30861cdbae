// Book: chapter 8, "React components": the distance of each month, in SVG.
//
// Drawn by the component itself (no chart library). Readable without
// colour or sight: every bar carries its value as text, the SVG has a
// <title> and a <desc> listing every month, and the table below the chart
// has the same figures.

import { Component, html } from "./preact.mjs";
import { km, monthName, shortMonth } from "./format.mjs";

const BAR = 56;
const GAP = 16;
const PLOT = 160; // height of the tallest bar
const TOP = 24; // room for the value above a bar
const BOTTOM = 32; // room for the month below

export class DistanceChart extends Component {
  render({ months }) {
    // The data service lists the newest first; time reads left to right.
    const points = [...months].reverse();
    const longest = Math.max(...points.map((point) => point.distance), 1);
    const width = GAP + points.length * (BAR + GAP);
    const height = TOP + PLOT + BOTTOM;
    const summary = points
      .map((point) => `${monthName(point.year, point.month)}: ${km(point.distance)}`)
      .join("; ");
    return html`
      <figure class="chart">
        <svg role="img" aria-labelledby="chart-title" aria-describedby="chart-desc"
             viewBox="0 0 ${width} ${height}" width=${width} height=${height}>
          <title id="chart-title">Distance per month</title>
          <desc id="chart-desc">${summary}</desc>
          ${points.map((point, index) => {
            const barHeight = (point.distance / longest) * PLOT;
            const x = GAP + index * (BAR + GAP);
            const y = TOP + PLOT - barHeight;
            return html`
              <g key=${`${point.year}-${point.month}`} class="month">
                <rect class="bar" x=${x} y=${y} width=${BAR} height=${barHeight} />
                <text class="value" x=${x + BAR / 2} y=${y - 6}
                      text-anchor="middle">${(point.distance / 1000).toFixed(1)}</text>
                <text class="label" x=${x + BAR / 2} y=${TOP + PLOT + 20}
                      text-anchor="middle">${shortMonth(point.year, point.month)}</text>
              </g>`;
          })}
          <line class="axis" x1="0" x2=${width} y1=${TOP + PLOT} y2=${TOP + PLOT} />
        </svg>
        <figcaption>Distance per month, in kilometres.</figcaption>
      </figure>`;
  }
}
