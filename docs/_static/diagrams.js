// Draws the page's ```mermaid blocks (see _ext/offline_mermaid.py). The
// diagram sits on a light card in both of the theme's colour schemes, so
// Mermaid's default (light) theme reads in both.
//
// Every label must read: at least SMALLEST_LABEL_PX on screen. A diagram
// wider than the text column is scaled down to fit it, and the READMEs draw
// their flowcharts left to right, which GitHub shows wide but which here
// would shrink to 6 px text. So, on the site only (the READMEs stay as
// written): a flowchart that would not fit with legible labels is drawn top
// to bottom instead, which makes it narrow and tall (a page scrolls down
// anyway); sequence diagrams wrap their long messages rather than spread
// their lifelines. Whatever still does not fit keeps a minimum width that
// keeps its labels legible and scrolls sideways in its own box, rather than
// shrink again: a narrow phone still gets readable text.
const SMALLEST_LABEL_PX = 12;
const LEFT_TO_RIGHT = /^(\s*(?:flowchart|graph)\s+)(?:LR|RL)\b/m;

mermaid.initialize({
  startOnLoad: false,
  theme: "default",
  securityLevel: "strict",
  sequence: { wrap: true, width: 110, actorMargin: 20, actorFontSize: 16 },
});

// The size of the smallest label, in the SVG's own units (what 1 px of the
// viewBox is): the computed font size times the label's scale within it.
function smallestLabel(svg) {
  const svgScale = svg.getScreenCTM().a;
  const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
  let smallest = Infinity;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest("style, title, desc")) continue;
    const box = element.closest("foreignObject") || element.closest("text");
    if (!box) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    smallest = Math.min(smallest, (size * box.getScreenCTM().a) / svgScale);
  }
  return smallest;
}

// The width at which the smallest label is SMALLEST_LABEL_PX on screen.
function legibleWidth(svg) {
  return (svg.viewBox.baseVal.width * SMALLEST_LABEL_PX) / smallestLabel(svg);
}

async function draw(pre, source, id) {
  const { svg, bindFunctions } = await mermaid.render(id, source);
  pre.innerHTML = svg;
  bindFunctions?.(pre);
  return pre.querySelector("svg");
}

async function drawAll() {
  const blocks = document.querySelectorAll("pre.mermaid");
  for (const [index, pre] of blocks.entries()) {
    const source = pre.textContent;
    const style = getComputedStyle(pre);
    const room =
      pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    try {
      let svg = await draw(pre, source, `diagram-${index}`);
      if (legibleWidth(svg) > room && LEFT_TO_RIGHT.test(source)) {
        svg = await draw(pre, source.replace(LEFT_TO_RIGHT, "$1TB"), `diagram-${index}`);
      }
      svg.style.minWidth = `${Math.ceil(legibleWidth(svg))}px`;
    } catch (error) {
      pre.textContent = source; // the source, as GitHub shows a broken diagram
      console.error("diagram", index, error);
    }
    // Mermaid's own mark of a block it has drawn; set once the drawing is
    // final, so that a test waiting for it measures the final one.
    pre.dataset.processed = "true";
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", drawAll);
} else {
  drawAll();
}
