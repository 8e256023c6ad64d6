// A profile's status badge (lib/builds/README.md, "Status badge"): a small SVG in the shape every
// README already shows (label on grey, message on a colour). Pure, so the route and its tests
// draw the same picture.

export type BadgeState = "passing" | "failing" | "no builds" | "not found" | "invalid branch";

const COLOURS: Record<BadgeState, string> = {
  passing: "#2f855a",
  failing: "#c53030",
  "no builds": "#718096",
  "not found": "#718096",
  "invalid branch": "#c05621",
};

/** The width of text in 11 px Verdana, close enough for a badge (wide letters counted wider). */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    width += /[mwMW]/.test(char) ? 10 : /[A-Z0-9#]/.test(char) ? 7.5 : /[iljtf.,:;'|!]/.test(char) ? 3.5 : char === " " ? 3.8 : 6.4;
  }
  return Math.ceil(width);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** The badge: "build | passing", with a title and an accessible name. */
export function badgeSvg(state: BadgeState, label = "build"): string {
  const left = textWidth(label) + 12;
  const right = textWidth(state) + 12;
  const width = left + right;
  const name = escapeXml(`${label}: ${state}`);
  const l = escapeXml(label);
  const r = escapeXml(state);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${name}">`,
    `<title>${name}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${COLOURS[state]}"/><rect width="${width}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${left / 2}" y="14">${l}</text>`,
    `<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${r}</text><text x="${left + right / 2}" y="14">${r}</text>`,
    `</g></svg>`,
  ].join("");
}

/** The state the latest finished build's status shows as (null: the branch has none). */
export function badgeStateOf(status: string | null): BadgeState {
  return status === null ? "no builds" : status === "SUCCEEDED" ? "passing" : "failing";
}
