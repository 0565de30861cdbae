// Book: chapter 8, "Building a ReactJS dashboard": "sync now", with progress.
//
// POST /api/sync (the dashboard queues the worker's task), then the sync's
// state from the data service, once a second, until it is done or failed.
// The status line is a live region: a screen reader hears each change.
//
// A sync whose worker died mid-way (killed, its machine gone) says "running"
// for ever, unless the next worker resumes it. The worker writes the state
// after every page it imports, so a running sync that says nothing new for
// staleAfter seconds (the dashboard's SYNC_STALE_AFTER, the worker's
// WORKER_STALE_AFTER) is stuck: the page says so and enables Sync again; it
// keeps polling, and shows the sync again if a worker resumes it. The
// silence is timed by the page's clock, from the last change it saw, not
// from updated_at: the browser's clock and the data service's may differ.

import { Component, html } from "./preact.mjs";

const POLL_MS = 1000;
const BUSY = new Set(["sending", "queued", "running"]);
const DEFAULT_STALE_AFTER = 120; // seconds, as the worker's default

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function runs(count) {
  return `${count} run${count === 1 ? "" : "s"}`;
}

function duration(seconds) {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function statusText({ phase, imported, message }, staleAfter) {
  switch (phase) {
    case "sending": return "Asking for a sync…";
    case "queued": return "Sync queued: waiting for the Strava worker…";
    case "running": return `Syncing: ${runs(imported)} imported so far…`;
    case "stale":
      return `The sync seems stuck: no news from the Strava worker for ${duration(staleAfter)}, `
        + `${runs(imported)} imported so far. Sync again to retry.`;
    case "done": return `Sync done: ${runs(imported)} imported.`;
    case "failed": return `Sync failed: ${message}`;
    default: return "";
  }
}

export class SyncButton extends Component {
  state = { phase: "idle", imported: 0, message: "" };

  round = 0; // one per Sync pressed: a poll of an earlier one is dropped

  get staleAfter() {
    const seconds = this.props.staleAfter;
    return seconds > 0 ? seconds : DEFAULT_STALE_AFTER;
  }

  componentWillUnmount() {
    clearTimeout(this.timer);
  }

  async start() {
    if (BUSY.has(this.state.phase)) return;
    clearTimeout(this.timer); // a stuck sync is still being polled
    const round = ++this.round;
    this.said = undefined;
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
    this.timer = setTimeout(() => this.poll(round), POLL_MS);
  }

  async poll(round) {
    const { data, userId, onDone } = this.props;
    let sync;
    try {
      sync = await data.get(`/users/${userId}/sync`);
    } catch (error) {
      if (round === this.round) this.setState({ phase: "failed", message: error.message });
      return;
    }
    if (round !== this.round) return; // Sync was pressed again meanwhile
    // The time of the last news: any change, a heartbeat's updated_at too.
    const said = JSON.stringify(sync);
    if (said !== this.said) {
      this.said = said;
      this.newsAt = performance.now();
    }
    const silent = performance.now() - this.newsAt >= this.staleAfter * 1000;
    const phase = sync.state === "running" && silent ? "stale" : sync.state;
    this.setState({ phase, imported: sync.imported, message: sync.message || "" });
    if (sync.state === "done") onDone();
    else if (BUSY.has(sync.state)) this.timer = setTimeout(() => this.poll(round), POLL_MS);
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
        <p id="sync-status" role="status">${statusText(state, this.staleAfter)}</p>
      </section>`;
  }
}
