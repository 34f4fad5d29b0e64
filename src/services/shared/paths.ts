// Namespace paths for programs that take them from people (the shell, the tools): a path typed
// relative to a working directory, made absolute.
// Rules: the result always starts with '/', has no empty, '.' or '..' segments, and never climbs
// above '/'.
/** `path` against the working directory `cwd`: absolute, without '.', '..' or doubled slashes. */
export function resolve(cwd: string, path: string): string {
  const parts = path.startsWith('/') ? [] : cwd.split('/').filter((p) => p !== '');
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}
