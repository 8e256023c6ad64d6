/**
 * A small ANSI SGR parser for build logs (colours, bold, dim, italic, underline), pure and safe
 * in client components.
 *
 * Why our own and not a library: logs are stored and streamed line by line, and a colour set
 * on one line may continue on the next — the state has to be carried from line to line, which
 * the well-known parsers (anser, ansi_up) either do not expose or only do while producing HTML
 * strings. Rendering segments as React elements with class names keeps the page free of
 * injected HTML and of inline style attributes (the 16 colours are CSS classes in
 * app/globals.css; 256-colour and true-colour values become a React style object set from
 * script). Everything else (cursor movement, OSC titles and links) is removed.
 */

export type AnsiStyle = {
  /** 0–15: a palette colour (CSS class); otherwise an "rgb(…)" string. */
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
};

export type AnsiSegment = { text: string; style: AnsiStyle };

export const PLAIN_STYLE: AnsiStyle = Object.freeze({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });

// CSI … final byte, OSC … BEL/ST, and other two-byte escapes.
const ESCAPE = /\u001b(?:\[([0-9;:?]*)([@-~])|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

/** The xterm 256-colour palette entry n (16–255) as rgb(). */
function palette256(n: number): string {
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `rgb(${level}, ${level}, ${level})`;
  }
  const index = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  return `rgb(${steps[Math.floor(index / 36) % 6]}, ${steps[Math.floor(index / 6) % 6]}, ${steps[index % 6]})`;
}

function applyCodes(style: AnsiStyle, params: string): AnsiStyle {
  const next: AnsiStyle = { ...style };
  const codes = params === "" ? [0] : params.split(/[;:]/).map((part) => (part === "" ? 0 : Number(part)));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i]!;
    if (code === 0) {
      Object.assign(next, PLAIN_STYLE);
    } else if (code === 1) {
      next.bold = true;
    } else if (code === 2) {
      next.dim = true;
    } else if (code === 3) {
      next.italic = true;
    } else if (code === 4) {
      next.underline = true;
    } else if (code === 7) {
      next.inverse = true;
    } else if (code === 22) {
      next.bold = false;
      next.dim = false;
    } else if (code === 23) {
      next.italic = false;
    } else if (code === 24) {
      next.underline = false;
    } else if (code === 27) {
      next.inverse = false;
    } else if (code >= 30 && code <= 37) {
      next.fg = code - 30;
    } else if (code >= 90 && code <= 97) {
      next.fg = code - 90 + 8;
    } else if (code === 39) {
      next.fg = null;
    } else if (code >= 40 && code <= 47) {
      next.bg = code - 40;
    } else if (code >= 100 && code <= 107) {
      next.bg = code - 100 + 8;
    } else if (code === 49) {
      next.bg = null;
    } else if (code === 38 || code === 48) {
      const key = code === 38 ? "fg" : "bg";
      if (codes[i + 1] === 5 && codes[i + 2] !== undefined) {
        const n = codes[i + 2]!;
        next[key] = n < 16 ? n : palette256(Math.min(255, n));
        i += 2;
      } else if (codes[i + 1] === 2 && codes[i + 4] !== undefined) {
        const [r, g, b] = [codes[i + 2]!, codes[i + 3]!, codes[i + 4]!].map((value) => Math.max(0, Math.min(255, value)));
        next[key] = `rgb(${r}, ${g}, ${b})`;
        i += 4;
      }
    }
  }
  return next;
}

/**
 * Splits one line into styled segments, starting from `state` (the style the previous line
 * ended with); returns the segments and the style this line ends with.
 */
export function parseAnsiLine(line: string, state: AnsiStyle = PLAIN_STYLE): { segments: AnsiSegment[]; state: AnsiStyle } {
  const segments: AnsiSegment[] = [];
  let style = state;
  let last = 0;
  for (const match of line.matchAll(ESCAPE)) {
    const index = match.index ?? 0;
    if (index > last) {
      segments.push({ text: line.slice(last, index), style });
    }
    if (match[2] === "m") {
      style = applyCodes(style, match[1] ?? "");
    }
    last = index + match[0].length;
  }
  if (last < line.length) {
    segments.push({ text: line.slice(last), style });
  }
  return { segments, state: style };
}

/** The text of a line without any escape sequence (downloads, search). */
export function stripAnsi(line: string): string {
  return line.replace(ESCAPE, "");
}
