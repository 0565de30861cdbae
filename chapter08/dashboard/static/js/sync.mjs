// Book: chapter 8, "Building a ReactJS dashboard": "sync now", with progress.
//
// POST /api/sync (the dashboard queues the worker's task), then the sync's
// state from the data service, once a second, until it is done or failed.
// The status line is a live region: a screen reader hears each change.

import { Component, html } from "./preact.mjs";

const POLL_MS = 1000;
const BUSY = new Set(["sending", "queued", "running"]);

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function runs(count) {
  return `${count} run${count === 1 ? "" : "s"}`;
}

function statusText({ phase, imported, message }) {
  switch (phase) {
    case "sending": return "Asking for a sync…";
    case "queued": return "Sync queued: waiting for the Strava worker…";
    case "running": return `Syncing: ${runs(imported)} imported so far…`;
    case "done": return `Sync done: ${runs(imported)} imported.`;
    case "failed": return `Sync failed: ${message}`;
    default: return "";
  }
}

export class SyncButton extends Component {
  state = { phase: "idle", imported: 0, message: "" };

  componentWillUnmount() {
    clearTimeout(this.timer);
  }

  async start() {
    if (BUSY.has(this.state.phase)) return;
    this.setState({ phase: "sending", imported: 0, message: "" });
    let response;
    try {
      response = await fetch(this.props.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
    } catch {
      this.setState({ phase: "failed", message: "the dashboard is not answering." });
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      this.setState({ phase: "failed", message: body.message || `status ${response.status}` });
      return;
    }
    this.setState({ phase: "queued" });
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  async poll() {
    const { data, userId, onDone } = this.props;
    let sync;
    try {
      sync = await data.get(`/users/${userId}/sync`);
    } catch (error) {
      this.setState({ phase: "failed", message: error.message });
      return;
    }
    this.setState({ phase: sync.state, imported: sync.imported, message: sync.message || "" });
    if (sync.state === "done") onDone();
    else if (BUSY.has(sync.state)) this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  render(_, state) {
    const busy = BUSY.has(state.phase);
    return html`
      <section class="sync" aria-labelledby="sync-heading">
        <h2 id="sync-heading">Strava</h2>
        <button type="button" aria-disabled=${busy} aria-describedby="sync-status"
                onClick=${() => this.start()}>
          ${busy ? "Syncing…" : "Sync with Strava"}
        </button>
        ${busy && html`<progress aria-label="Sync in progress"></progress>`}
        <p id="sync-status" role="status">${statusText(state)}</p>
      </section>`;
  }
}
