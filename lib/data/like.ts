/**
 * A search term as the literal text of a LIKE / ILIKE pattern: `%`, `_` and `\` escaped (Prisma's
 * `contains` and Keel's own patterns would otherwise read them as wildcards).
 */
export function likeLiteral(term: string): string {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}
