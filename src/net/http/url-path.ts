// Turns the raw request path into plain path segments, or refuses it. Anything that could climb out
// of a tree or means different things to different layers is refused outright rather than
// "normalised": dot segments in any encoding, backslashes, NUL and control characters, double
// encoding (%25), invalid or overlong UTF-8. Pure: table-tested against a list of attack forms.

export class PathRefused extends Error {
  constructor(
    readonly rawPath: string,
    readonly why: string,
  ) {
    super(`path refused (${why}): ${rawPath.slice(0, 200)}`);
    this.name = 'PathRefused';
  }
}

/** Decodes "/a/b%20c/" into ["a", "b c"]; `trailingSlash` tells a directory request apart. */
export function decodeRequestPath(rawPath: string): { segments: string[]; trailingSlash: boolean } {
  if (!rawPath.startsWith('/')) throw new PathRefused(rawPath, 'not absolute');
  if (/%25/i.test(rawPath)) throw new PathRefused(rawPath, 'double encoding');
  let decoded: string;
  try {
    // decodeURIComponent rejects invalid and overlong UTF-8 sequences (e.g. %c0%ae) with URIError
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new PathRefused(rawPath, 'invalid percent-encoding or UTF-8');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(decoded))
    throw new PathRefused(rawPath, 'control character or backslash');
  if (/[\uff0e\u2024\uff0f\u2215\uff3c]/.test(decoded))
    throw new PathRefused(rawPath, 'look-alike dot or slash');
  const parts = decoded.split('/');
  const trailingSlash = parts.length > 1 && parts[parts.length - 1] === '';
  const segments = parts.filter((p) => p !== '');
  for (const s of segments) {
    if (s === '.' || s === '..') throw new PathRefused(rawPath, 'dot segment');
    if (/^\.+$/.test(s.trim())) throw new PathRefused(rawPath, 'dot segment');
  }
  return { segments, trailingSlash };
}
