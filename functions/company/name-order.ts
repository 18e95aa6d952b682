/**
 * How companies are ordered and found by name: case- and accent-insensitively, so that "émile", "Emile" and
 * "EMILE" sort together and a search for "emi" finds all three. Compatibility forms fold to their plain
 * letters (a full-width "Ａ" is an "A"), accents and other marks are dropped, and the rest is lower-cased.
 * Folded names compare by code point, which is how DynamoDB orders a sort key (UTF-8 bytes); ties are broken
 * by company id.
 */

/**
 * How many folded characters take part. A name has at most 120, and folding rarely lengthens one (a ligature
 * such as "ﬁ" becomes two letters); past this, names are ordered and matched by their first 120.
 */
export const NAME_ORDER_LENGTH = 120;

export function foldName(text: string): string {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().normalize('NFC');
  return [...folded].slice(0, NAME_ORDER_LENGTH).join('');
}
