// Which patterns V8's linear-time engine runs: the parser's verdicts on each kind of construct,
// checked against V8's own verdict (the `l` flag) on a table of edge cases and on random patterns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProblem, LINEAR_RULE, linearProblem, MAX_NESTING, parseProblem, v8RunsLinear } from './linear-regexp.ts';

/** The parser's verdict: 'ok' or the problem's kind and text. */
function verdict(source: string, flags = ''): string {
  const p = parseProblem(source, flags);
  return p === undefined ? 'ok' : `${p.kind} ${p.text}`;
}

describe('linearProblem: what the linear engine refuses', () => {
  it('refuses the flags it does not support, and takes g, m, s, y', () => {
    for (const f of ['i', 'u', 'v', 'd']) assert.equal(verdict('a', f), `flag ${f}`);
    for (const f of ['', 'g', 'm', 's', 'y', 'gmsy']) assert.equal(verdict('a', f), 'ok');
  });
  it('refuses backreferences, and not the escapes that only look like them', () => {
    assert.equal(verdict('(a)\\1'), 'backreference \\1');
    assert.equal(verdict('\\1(a)'), 'backreference \\1', 'a forward reference is one too');
    assert.equal(verdict('(?<x>a)\\k<x>'), 'backreference \\k<x>');
    assert.equal(verdict('(a)\\2'), 'ok', 'more than the groups: an octal escape');
    assert.equal(verdict('(a)\\8'), 'ok', 'an identity escape');
    assert.equal(verdict('\\k<x>'), 'ok', 'no named groups: \\k is a k');
    assert.equal(verdict('[\\1](a)'), 'ok', 'in a class: octal');
    assert.equal(verdict('\\\\1(a)'), 'ok', 'an escaped backslash then 1');
    assert.equal(verdict('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10'), 'backreference \\10');
  });
  it('refuses lookaround, and not its look-alikes', () => {
    assert.equal(verdict('a(?=b)'), 'lookaround (?=');
    assert.equal(verdict('a(?!b)'), 'lookaround (?!');
    assert.equal(verdict('(?<=a)b'), 'lookaround (?<=');
    assert.equal(verdict('(?<!a)b'), 'lookaround (?<!');
    assert.equal(verdict('[(?=]a'), 'ok');
    assert.equal(verdict('\\(?=a\\)'), 'ok', 'an optional ( then =a)');
    assert.equal(verdict('(?<name>a)'), 'ok', 'a named group');
  });
  it('refuses counts above 16, alone or multiplied by nesting (open-ended ones count min + 1)', () => {
    assert.equal(verdict('a{16}'), 'ok');
    assert.equal(verdict('a{17}'), 'count {17}');
    assert.equal(verdict('a{0,17}'), 'count {0,17}');
    assert.equal(verdict('a{15,}'), 'ok');
    assert.equal(verdict('a{16,}'), 'count {16,}');
    assert.equal(verdict('(?:a{4}){4}'), 'ok');
    assert.equal(verdict('(?:a{4}){5}'), 'count {4}');
    assert.equal(verdict('(?:a+){8}'), 'ok');
    assert.equal(verdict('(?:a+){9}'), 'count +');
    assert.equal(verdict('(?:a{8}){0}'), 'ok', 'a count of 0 multiplies by 0');
    assert.equal(verdict('(?:^){20}'), 'ok', 'V8 drops a count on what matches only the empty string');
    assert.equal(verdict('(){20}'), 'ok');
    assert.equal(verdict('a{0,99999999999}'), 'ok', 'a count past int32 is unbounded');
    assert.equal(verdict('a{99999999999}'), 'count {99999999999}');
    assert.equal(verdict('a{,20}'), 'ok', 'not a count: literal braces');
    assert.equal(verdict('\\u{20}'), 'count {20}', 'without u, \\u{20} is u twenty times');
  });
  it('runs catastrophic but linear-engine patterns', () => {
    for (const p of ['^(a+)+$', '(x+x+)+y', '^(\\w+\\s?)*$', '(a|a)*b', '\\s+$', '.*.*=.*']) assert.equal(verdict(p), 'ok', p);
  });
  it('refuses groups nested deeper than it reads, whatever the stack', () => {
    const nest = (n: number): string => `${'('.repeat(n)}a${')'.repeat(n)}`;
    assert.equal(verdict(nest(MAX_NESTING)), 'ok');
    assert.equal(verdict(nest(MAX_NESTING + 1)), 'unreadable (');
  });
  it('lets V8 report invalid patterns itself', () => {
    assert.equal(linearProblem('a{2,1}', ''), undefined);
    assert.equal(linearProblem('(a', ''), undefined);
    assert.equal(linearProblem('*', ''), undefined);
  });
  it('explains a refusal with the pattern, the construct, the rule and what to do', () => {
    const p = linearProblem('(a)\\1', 'g');
    assert.ok(p !== undefined);
    const text = describeProblem('(a)\\1', 'g', p);
    assert.ok(text.startsWith('the regular expression /(a)\\1/g uses a backreference (`\\1`)'), text);
    assert.ok(text.includes(LINEAR_RULE));
    assert.match(LINEAR_RULE, /backreferences, lookaround, .* cannot run in linear time in Sing/);
  });
});

describe('the parser agrees with V8', () => {
  const cases = ['a{16}', 'a{17}', '(?:a{4}){4}', '(?:a{4}){5}', '(?:a+){16}', '(?:a*){15,}', '(?:a*){16,}', '(?:a?){16}', '(?:a?){17}',
    '(?:(?:a?){4}){4}', '(?:(?:a?){4}){5}', '(?:a|){15,}', '(?:a|){16,}', '(?:\\b){20}', '(?:(?=a)){20}', 'x(?:)+', '(?:){20}', '(a)\\2',
    '\\1(a)', '(?<x>a)\\k<x>', '\\k<x>', '[\\1]', '(?<=a)', '\\c1{17}', '\\x4{17}', '\\0{17}', '\\377{17}', '(?<é>a)\\k<é>'];
  it('on edge cases', () => {
    for (const p of cases) {
      const v8 = v8RunsLinear(p, '');
      if (v8 === undefined) continue;
      assert.equal(parseProblem(p, '') === undefined, v8, `${p}: V8 says ${v8 ? 'linear' : 'not linear'}`);
    }
  });
  it('on random patterns', () => {
    const parts = ['a', 'b', '(', ')', '(?:', '(?=', '(?!', '(?<=', '(?<!', '(?<n>', '\\1', '\\2', '\\k<n>', '\\k', '[', ']', '[^a]', '[\\]]', '*', '+',
      '?', '*?', '{2}', '{0,17}', '{16,}', '{3,}', '{4}', '{5}', '{,5}', '{', '}', '|', '^', '$', '\\b', '.', '\\d', '\\u{20}', '\\x4', '\\c', '\\cA', '\\0',
      '\\01', '\\18', '\\8', '{0}', '{1,16}', '{17}', '\\', '(?i:', '[\\b]', '\\377', '\\10', '[(]', '\\('];
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    let valid = 0;
    for (let k = 0; k < 20000; k++) {
      let p = '';
      for (let j = 1 + rnd(8); j > 0; j--) p += parts[rnd(parts.length)] as string;
      const flags = ['', 'g', 'y', 'ms'][rnd(4)] as string;
      const v8 = v8RunsLinear(p, flags);
      if (v8 === undefined) continue;
      valid++;
      assert.equal(parseProblem(p, flags) === undefined, v8, `/${p}/${flags}: V8 says ${v8 ? 'linear' : 'not linear'}`);
    }
    assert.ok(valid > 5000, `only ${valid} valid patterns`);
  });
});
