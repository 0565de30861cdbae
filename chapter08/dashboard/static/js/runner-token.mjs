// Book: chapter 8, "JavaScript authentication": the browser's token.
//
// The dashboard's /api/token turns the session cookie into a short-lived
// runner token (and says where the data service is). The page keeps it in
// memory only (no localStorage: a script injected later could read that),
// and renews it once four fifths of its lifetime are gone, so no call
// leaves with a token about to expire.

/** The dashboard's session is gone: the runner must log in again. */
export class SessionExpired extends Error {}

/** A service did not answer, or refused: the message says which and why. */
export class ServiceError extends Error {}

export class RunnerToken {
  constructor(url, now = () => Date.now()) {
    this.url = url;
    this.now = now;
    this.value = null;
    this.renewAt = 0;
    this.pending = null;
    this.userId = null;
    this.dataService = null;
  }

  /** A token good for a while yet: the one kept, or a new one. */
  async get() {
    if (this.value === null || this.now() >= this.renewAt) await this.renew();
    return this.value;
  }

  /** Ask for a new token; calls made meanwhile wait for the same answer. */
  renew() {
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  async fetchToken() {
    const asked = this.now();
    let response;
    try {
      response = await fetch(this.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch {
      throw new ServiceError("The dashboard is not answering.");
    }
    if (response.status === 401) {
      throw new SessionExpired("Your session has ended: please log in again.");
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ServiceError(body.message || `The dashboard answered ${response.status}.`);
    }
    this.value = body.access_token;
    this.userId = body.user_id;
    this.dataService = body.data_service;
    // Counted from when we asked: the token's clock started before the answer.
    this.renewAt = asked + body.expires_in * 1000 * 0.8;
  }
}
