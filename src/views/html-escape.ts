// Every piece of text that goes into the HTML report passes here: log lines are attacker-
// controlled (a user name, a file name), so they must never become markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}
