/** What each character that can change the meaning of HTML becomes. */
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `value` for use as HTML text or inside a quoted attribute value: `&`, `<`, `>`, `"`
 * and `'` become character references, so no text can open a tag, end an attribute or start an
 * entity. Everything the approval pages render from workflow or request data goes through it.
 * (Not for unquoted attributes, URLs in `href`/`src`, or the inside of `<script>`/`<style>`,
 * which the pages never build from data.)
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}
