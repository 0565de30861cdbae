// Book: chapter 8, "React components": runs by month, with totals.
//
// The chart and the table, newest month first in both (the data service's
// order): the chart's bars and the table's rows read the same way, the
// current month on top. One row per month (runs, distance, moving time,
// pace) and the totals in the table's footer. A month's name is a button:
// it shows that month's runs, fetched from the data service when first
// asked for; a bar of the chart opens the same month. Which months are open
// is kept here, above both, so that the chart can open a row of the table.

import { Component, html } from "./preact.mjs";
import { DistanceChart } from "./chart.mjs";
import { dayOfMonth, duration, km, monthName, pace } from "./format.mjs";

function totals(months) {
  return months.reduce(
    (sum, month) => ({
      runs: sum.runs + month.runs,
      distance: sum.distance + month.distance,
      moving_time: sum.moving_time + month.moving_time,
    }),
    { runs: 0, distance: 0, moving_time: 0 },
  );
}

const keyOf = (month) => `${month.year}-${month.month}`;

export class RunsByMonth extends Component {
  state = { open: {} };

  toggle(month) {
    const key = keyOf(month);
    if (this.state.open[key]) {
      const { [key]: _closed, ...open } = this.state.open;
      this.setState({ open });
      return;
    }
    this.fetchRuns(month);
  }

  /** A bar was picked: its month opens (it stays open if it was), and the
   * focus goes to the month's button in the table, with its runs below it:
   * from the keyboard too, the runs are where the runner is. */
  pick(month) {
    if (!this.state.open[keyOf(month)]) this.fetchRuns(month);
    const button = document.getElementById(`month-${keyOf(month)}`);
    button.focus({ preventScroll: true });
    button.scrollIntoView({ block: "start" });
  }

  async fetchRuns(month) {
    const key = keyOf(month);
    const loading = { loading: true };
    this.show(key, loading);
    const { data, userId } = this.props;
    try {
      const runs = await data.get(
        `/users/${userId}/runs?year=${month.year}&month=${month.month}`,
      );
      this.show(key, { runs }, loading);
    } catch (error) {
      this.show(key, { error: error.message }, loading);
    }
  }

  /** Month `key` shows `entry`; with `instead`, only while it still shows
   * that: runs that arrive after the runner closed their month (or opened
   * it again, asking anew) must not open it. */
  show(key, entry, instead) {
    this.setState(({ open }) =>
      instead && open[key] !== instead ? null : { open: { ...open, [key]: entry } },
    );
  }

  render({ months }, { open }) {
    return html`
      <${DistanceChart} months=${months} onPick=${(month) => this.pick(month)} />
      <${MonthsTable} months=${months} open=${open}
                      onToggle=${(month) => this.toggle(month)} />`;
  }
}

function RunsRow({ monthKey, label, entry }) {
  let content;
  if (entry.loading) content = html`<p role="status">Loading the runs of ${label}…</p>`;
  else if (entry.error) content = html`<p role="alert">${entry.error}</p>`;
  else {
    content = html`
      <ul class="runs" aria-label=${`Runs of ${label}`}>
        ${entry.runs.map(
          (run) => html`
            <li key=${run.id}>
              ${dayOfMonth(run.start_date)}: ${run.name}, ${km(run.distance)},
              ${" "}${duration(run.moving_time)}, ${pace(run.moving_time, run.distance)}
            </li>`,
        )}
      </ul>`;
  }
  return html`<tr id=${`runs-${monthKey}`}><td colspan="5">${content}</td></tr>`;
}

export function MonthsTable({ months, open, onToggle }) {
  const sum = totals(months);
  return html`
    <table class="months" aria-describedby="pace-note">
      <caption>Runs by month</caption>
      <thead>
        <tr>
          <th scope="col">Month</th><th scope="col" class="number">Runs</th>
          <th scope="col" class="number">Distance</th>
          <th scope="col" class="number">Moving time</th>
          <th scope="col" class="number">Pace</th>
        </tr>
      </thead>
      <tbody>
        ${months.map((month) => {
          const key = keyOf(month);
          const label = monthName(month.year, month.month);
          return [
            html`
              <tr key=${key}>
                <th scope="row">
                  <button type="button" class="link" id=${`month-${key}`}
                          aria-expanded=${Boolean(open[key])} aria-controls=${`runs-${key}`}
                          onClick=${() => onToggle(month)}>${label}</button>
                </th>
                <td class="number">${month.runs}</td>
                <td class="number">${km(month.distance)}</td>
                <td class="number">${duration(month.moving_time)}</td>
                <td class="number">${pace(month.moving_time, month.distance)}</td>
              </tr>`,
            open[key] &&
              html`<${RunsRow} key=${`runs-${key}`} monthKey=${key} label=${label}
                               entry=${open[key]} />`,
          ];
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th><td class="number">${sum.runs}</td>
          <td class="number">${km(sum.distance)}</td>
          <td class="number">${duration(sum.moving_time)}</td>
          <td class="number">${pace(sum.moving_time, sum.distance)}</td>
        </tr>
      </tfoot>
    </table>
    <p id="pace-note" class="note">
      Pace: the moving time over the distance, in minutes per kilometre (a month's:
      its total moving time over its total distance). Stops do not count.
    </p>`;
}
