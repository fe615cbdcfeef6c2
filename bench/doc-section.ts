// Writes one bench's section into docs/BENCHMARKS.md: the text from its `## <heading>` line up to the
// next `## ` heading is replaced by the new figures, except what follows NOTES_MARK in the old section
// (notes written by hand: what changed, why a target is missed), which stays.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const NOTES_MARK = '<!-- notes below are kept when the bench rewrites this section -->';

/** `section` starts with its own `## heading` line. */
export function writeDocSection(docPath: string, section: string): void {
  const heading = section.slice(0, section.indexOf('\n'));
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${escaped}\\n[\\s\\S]*?(?=\\n## |$)`);
  const previous = re.exec(doc)?.[0] ?? '';
  const at = previous.indexOf(NOTES_MARK);
  const notes = at >= 0 ? previous.slice(at).trimEnd() : '';
  const text = `${section.trimEnd()}\n${notes ? `\n${notes}\n` : ''}`;
  writeFileSync(docPath, re.test(doc) ? doc.replace(re, () => text) : `${doc.trimEnd()}\n\n${text}`);
}
