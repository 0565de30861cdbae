// Draws the page's ```mermaid blocks (see _ext/offline_mermaid.py). The
// diagram sits on a light card in both of the theme's colour schemes, so
// Mermaid's default (light) theme reads in both.
mermaid.initialize({ startOnLoad: true, theme: "default", securityLevel: "strict" });
