// Book: chapter 8, "React components": runs by month, with totals.
//
// One row per month (runs, distance, moving time) and the totals in the
// table's footer. A month's name is a button: it shows that month's runs,
// fetched from the data service when first asked for.

import { Component, html } from "./preact.mjs";
import { dayOfMonth, duration, km, monthName } from "./format.mjs";

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

export class MonthsTable extends Component {
  state = { open: {} };

  async toggle(month) {
    const key = `${month.year}-${month.month}`;
    if (this.state.open[key]) {
      const { [key]: _closed, ...open } = this.state.open;
      this.setState({ open });
      return;
    }
    this.show(key, { loading: true });
    const { data, userId } = this.props;
    try {
      const runs = await data.get(
        `/users/${userId}/runs?year=${month.year}&month=${month.month}`,
      );
      this.show(key, { runs });
    } catch (error) {
      this.show(key, { error: error.message });
    }
  }

  show(key, entry) {
    this.setState({ open: { ...this.state.open, [key]: entry } });
  }

  runsRow(key, label, entry) {
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
                ${" "}${duration(run.moving_time)}
              </li>`,
          )}
        </ul>`;
    }
    return html`<tr id=${`runs-${key}`}><td colspan="4">${content}</td></tr>`;
  }

  render({ months }, { open }) {
    const sum = totals(months);
    return html`
      <table class="months">
        <caption>Runs by month</caption>
        <thead>
          <tr>
            <th scope="col">Month</th><th scope="col">Runs</th>
            <th scope="col">Distance</th><th scope="col">Moving time</th>
          </tr>
        </thead>
        <tbody>
          ${months.map((month) => {
            const key = `${month.year}-${month.month}`;
            const label = monthName(month.year, month.month);
            return [
              html`
                <tr key=${key}>
                  <th scope="row">
                    <button type="button" class="link" aria-expanded=${Boolean(open[key])}
                            aria-controls=${`runs-${key}`}
                            onClick=${() => this.toggle(month)}>${label}</button>
                  </th>
                  <td>${month.runs}</td>
                  <td>${km(month.distance)}</td>
                  <td>${duration(month.moving_time)}</td>
                </tr>`,
              open[key] && this.runsRow(key, label, open[key]),
            ];
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th><td>${sum.runs}</td>
            <td>${km(sum.distance)}</td><td>${duration(sum.moving_time)}</td>
          </tr>
        </tfoot>
      </table>`;
  }
}
