// Book: chapter 8, "React components": Preact with htm, no build step.
// htm turns tagged template literals into Preact's h() calls in the browser,
// where React's JSX would need Babel. Relative imports of the vendored
// modules (no bare "preact" specifier): no import map, so no inline script.
import { Component, createRef, h, render } from "../vendor/preact-11.2.0/preact.mjs";
import htm from "../vendor/htm-3.1.1/htm.mjs";

export const html = htm.bind(h);
export { Component, createRef, render };
