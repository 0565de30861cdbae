// Book: chapter 8, "Cross-origin resource sharing": the browser calls the
// data service itself. It is another origin (another port), so the browser
// asks it first (a CORS preflight, for the Authorization header) and lets
// the page read the answer only if the data service allows this origin.
// No cookie goes there: the runner token is the only credential.

import { ServiceError } from "./runner-token.mjs";

export class DataService {
  constructor(token) {
    this.token = token;
  }

  /** GET a path of the data service as the runner; its JSON. */
  async get(path) {
    for (let attempt = 1; ; attempt++) {
      const token = await this.token.get();
      let response;
      try {
        response = await fetch(this.token.dataService + path, {
          headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        });
      } catch {
        // A refused connection and a CORS refusal look the same from here.
        throw new ServiceError(
          "The data service is not answering, so your runs cannot be shown right now.",
        );
      }
      // Rejected anyway (keys rotated, token revoked): one new token, once.
      if (response.status === 401 && attempt === 1) {
        await this.token.renew();
        continue;
      }
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const reason = body && body.message ? `: ${body.message}` : ".";
        throw new ServiceError(`The data service answered ${response.status}${reason}`);
      }
      return body;
    }
  }
}
