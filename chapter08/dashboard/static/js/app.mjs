// Book: chapter 8, "Building a ReactJS dashboard": the page, and its states.
//
// Loading, then either the runs or, when a service is down, a message and
// a Retry button: never a blank page. An ended session goes back to the
// login page.

import { Component, html } from "./preact.mjs";
import { RunsByMonth } from "./months.mjs";
import { SessionExpired } from "./runner-token.mjs";
import { SyncButton } from "./sync.mjs";

export class Dashboard extends Component {
  state = { status: "loading", months: [], error: "" };

  componentDidMount() {
    this.load();
  }

  async load({ quiet = false } = {}) {
    if (!quiet) this.setState({ status: "loading", error: "" });
    const { token, data } = this.props;
    try {
      await token.get();
      const months = await data.get(`/users/${token.userId}/months`);
      this.setState({ status: "ready", months });
    } catch (error) {
      if (error instanceof SessionExpired) {
        window.location.assign("/");
        return;
      }
      this.setState({ status: "error", error: error.message });
    }
  }

  render({ token, data, syncUrl, syncStaleAfter }, { status, months, error }) {
    if (status === "loading") {
      return html`<p role="status" aria-busy="true">Loading your runs…</p>`;
    }
    if (status === "error") {
      return html`
        <div class="error" role="alert">
          <p>${error}</p>
          <button type="button" onClick=${() => this.load()}>Retry</button>
        </div>`;
    }
    return html`
      <${SyncButton} syncUrl=${syncUrl} data=${data} userId=${token.userId}
                     staleAfter=${syncStaleAfter}
                     onDone=${() => this.load({ quiet: true })} />
      ${months.length === 0
        ? html`<p>No runs yet: sync with Strava to import them.</p>`
        : html`
            <section aria-labelledby="months-heading">
              <h2 id="months-heading">Month by month</h2>
              <${RunsByMonth} months=${months} data=${data} userId=${token.userId} />
            </section>`}`;
  }
}
