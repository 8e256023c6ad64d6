// Hostile inputs shared by the unit tests and the browser tests (e2e/security.spec.ts), so
// both prove the same table.

/**
 * Redirect targets that must never send a browser off Keel's origin: each is refused by
 * `safeRedirectPath` (the sign-in page then uses its default). Why each one is dangerous is
 * in its label.
 */
export const HOSTILE_REDIRECTS: readonly { label: string; target: string }[] = [
  { label: "absolute URL to another host", target: "https://evil.example/phish" },
  { label: "absolute http URL", target: "http://evil.example" },
  { label: "scheme-relative URL", target: "//evil.example/phish" },
  { label: "three slashes", target: "///evil.example" },
  { label: "four slashes", target: "////evil.example" },
  { label: "backslash after the slash (browsers read it as //)", target: "/\\evil.example" },
  { label: "two backslashes", target: "\\\\evil.example" },
  { label: "backslash then slash", target: "\\/evil.example" },
  { label: "TAB inside //", target: "/\t/evil.example" },
  { label: "LF inside //", target: "/\n/evil.example" },
  { label: "CR LF inside //", target: "/\r\n/evil.example" },
  { label: "leading space (browsers trim it)", target: " //evil.example" },
  { label: "leading NUL", target: "\u0000//evil.example" },
  { label: "encoded second slash", target: "/%2F/evil.example" },
  { label: "encoded slashes, lower case", target: "/%2f%2fevil.example" },
  { label: "encoded backslash", target: "/%5Cevil.example" },
  { label: "encoded TAB", target: "/%09/evil.example" },
  { label: "double-encoded slash", target: "/%252F%252Fevil.example" },
  { label: "encoded dots climbing to //", target: "/%2e%2e//evil.example" },
  { label: "dot segments collapsing to //", target: "/..//evil.example" },
  { label: "javascript: URL", target: "javascript:alert(document.domain)" },
  { label: "data: URL", target: "data:text/html,<script>alert(1)</script>" },
  { label: "scheme without slashes", target: "https:evil.example" },
  { label: "scheme with one slash", target: "http:/evil.example" },
  { label: "user info trick", target: "https://localhost@evil.example" },
  { label: "fullwidth solidus pair", target: "\uff0f\uff0fevil.example" },
  { label: "slash then fullwidth solidus", target: "/\uff0fevil.example" },
  { label: "bidi override", target: "/\u202e//evil.example" },
  { label: "zero-width space inside //", target: "/\u200b/evil.example" },
  { label: "no leading slash", target: "evil.example" },
  { label: "too long", target: `/${"a".repeat(600)}` },
];
