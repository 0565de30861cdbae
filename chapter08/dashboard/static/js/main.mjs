// Book: chapter 8, "ReactJS and Flask": Flask serves the page, Preact runs it.
// The page's settings come from data attributes the template wrote.

import { html, render } from "./preact.mjs";
import { Dashboard } from "./app.mjs";
import { DataService } from "./data-service.mjs";
import { RunnerToken } from "./runner-token.mjs";

const root = document.getElementById("app");
const token = new RunnerToken(root.dataset.tokenUrl);
const data = new DataService(token);
root.replaceChildren(); // the server's "Loading" line: Preact's from now on
render(
  html`<${Dashboard} token=${token} data=${data} syncUrl=${root.dataset.syncUrl}
                     syncStaleAfter=${Number(root.dataset.syncStaleAfter)} />`,
  root,
);
