// Book: chapter 8, "React components": the distance of each month, in SVG.
//
// Drawn by the component itself (no chart library). One bar per month,
// sideways, newest first: the same order as the table below it, so the
// chart's nth bar is the table's nth row, and the month a runner looks for
// first, this one, is on top. Sideways bars keep their month's name
// horizontal, readable on a phone however many months there are.
//
// It fills its container: the SVG is 100% wide, and its viewBox is redrawn
// at the container's width in pixels (a ResizeObserver), so one unit is one
// pixel and a 14 px label is 14 px at 390 px as at 1280, where a fixed
// viewBox would shrink its text with the screen.
//
// Each bar is a button (its name: the month and its distance): a click, or
// Enter or Space on it, opens that month in the table. The table is the
// chart's text equivalent: it has every figure, and more.

import { Component, createRef, html } from "./preact.mjs";
import { km, monthName } from "./format.mjs";

const ROW = 36; // height of a month's row
const BAR = 24; // thickness of a bar
const PAD = 4; // above the first row and below the last
const LABEL = 136; // the months' names, right-aligned against the bars
const VALUE = 84; // room after the longest bar for its distance
const DEFAULT_WIDTH = 640; // until the container is measured

export class DistanceChart extends Component {
  state = { width: 0 };

  figure = createRef();

  componentDidMount() {
    this.observer = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry.contentRect.width);
      if (width > 0 && width !== this.state.width) this.setState({ width });
    });
    this.observer.observe(this.figure.current);
  }

  componentWillUnmount() {
    this.observer.disconnect();
  }

  onKeyDown(event, month) {
    // A button's keys: Space would scroll the page, so it is taken here.
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.props.onPick(month);
    }
  }

  render({ months, onPick }, { width: measured }) {
    const width = measured || DEFAULT_WIDTH;
    const longest = Math.max(...months.map((month) => month.distance), 1);
    const room = Math.max(width - LABEL - VALUE, 1);
    const height = PAD * 2 + months.length * ROW;
    return html`
      <figure class="chart" ref=${this.figure}>
        <svg role="group" aria-labelledby="chart-title" aria-describedby="chart-desc"
             viewBox="0 0 ${width} ${height}" width="100%" height=${height}>
          <title id="chart-title">Distance per month</title>
          <desc id="chart-desc">One bar per month, newest first: each opens its runs in the table.</desc>
          ${months.map((month, index) => {
            const label = monthName(month.year, month.month);
            const top = PAD + index * ROW;
            const middle = top + ROW / 2;
            const length = (month.distance / longest) * room;
            // Its name starts with what it shows, "November 2026 106.3 km" (a
            // space between its two texts): a voice user says what they see.
            return html`
              <g key=${`${month.year}-${month.month}`} class="month" role="button"
                 tabindex="0" aria-label=${`${label}, ${km(month.distance)}: show its runs`}
                 onClick=${() => onPick(month)}
                 onKeyDown=${(event) => this.onKeyDown(event, month)}>
                <rect class="hit" x="1" y=${top + 1} width=${width - 2} height=${ROW - 2} rx="4" />
                <text class="label" x=${LABEL - 8} y=${middle} text-anchor="end"
                      dominant-baseline="central">${label}</text>
                ${" "}
                <rect class="bar" x=${LABEL} y=${middle - BAR / 2} width=${length}
                      height=${BAR} />
                <text class="value" x=${LABEL + length + 6} y=${middle}
                      dominant-baseline="central">${km(month.distance)}</text>
              </g>`;
          })}
          <line class="axis" x1=${LABEL} x2=${LABEL} y1="0" y2=${height} />
        </svg>
        <figcaption>Distance per month, in kilometres: pick a month to see its runs.</figcaption>
      </figure>`;
  }
}
