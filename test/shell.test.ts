// The shell SIP as a person meets it: through `sing boot --script FILE` (lines run as if typed,
// the exit status the last command's) and at a real terminal in tmux (send-keys, capture-pane):
// files listed, written with `>` and `>>`, read, copied, renamed and removed over the file
// system's contracts; a program run with typed parameters (`adder --a 2 --b 40`) and refused with
// its manifest's own types; a background program started, listed and killed; history recalled
// with the Up key; shutdown unmounting cleanly. `npm start` reaches the prompt and serves the home
// page. tmux is Debian's; outside CI its test is skipped when tmux is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOME_PAGE } from '../src/cli/boot.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Ran { readonly code: number | null; readonly out: string; readonly err: string }

function run(cmd: string, args: readonly string[], onOut?: (all: string) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; onOut?.(out); });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    p.on('exit', (code) => { resolve({ code, out, err }); });
  });
}

function boot(store: string, script: string): Promise<Ran> {
  const file = join(store, '..', `${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  return run(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--store', store, '--port', '0', '--script', file]);
}

function fsckClean(image: string): void {
  const own = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'fsck', image], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(own.status, 0, `sing fsck: ${own.stdout}${own.stderr}`);
  const host = spawnSync('fsck.fat', ['-n', image], { encoding: 'utf8' });
  if (host.error === undefined) assert.equal(host.status, 0, `fsck.fat -n: ${host.stdout}${host.stderr}`);
}

test('a script runs in the shell as if typed: files, programs with typed parameters, background jobs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-shell-'));
  const store = join(dir, 'store');
  try {
    const r = await boot(store, [
      'ls', 'ls www', 'echo hello from the shell > notes.txt', 'echo more >> notes.txt', 'cat notes.txt',
      'mkdir docs', 'cp notes.txt docs', 'mv docs/notes.txt docs/kept.txt', 'ls docs', 'cd docs', 'pwd', 'cd ..',
      'adder --a 2 --b 40', 'adder --a two --b 40', 'adder --a 2', 'nosuch',
      'start ticker --every 50 --times 1000', 'jobs', 'kill $!', 'jobs', 'adder --a 1 --b 2 &', 'wait $!', 'kill 1',
      'cat missing.txt', 'cat notes.txt | wc', 'cat notes.txt www/index.html | cat | wc', 'wc notes.txt www/index.html',
      'ls www | wc > count.txt', 'cat count.txt', 'adder | wc', 'ls | ', 'ps', 'names', 'mount', 'free',
      'rm docs', 'rm docs/kept.txt', 'rm docs', 'ls', 'df', 'exit 3',
    ].join('\n') + '\n');
    const out = r.out;
    assert.equal(r.code, 3, `${out}\n${r.err}`);
    const after = (cmd: string): string => {
      const at = out.indexOf(`$ ${cmd}\n`);
      assert.ok(at >= 0, `the transcript shows ${cmd}:\n${out}`);
      const rest = out.slice(at + cmd.length + 3);
      const next = rest.search(/^\/fs[^\n]*\$ /m);
      return next < 0 ? rest : rest.slice(0, next);
    };
    assert.equal(after('ls'), 'www/\n');
    assert.match(after('ls www'), /^index\.html {2}\d+\n$/);
    assert.equal(after('cat notes.txt'), 'hello from the shell\nmore\n');
    assert.equal(after('ls docs'), 'kept.txt  26\n');
    assert.equal(after('pwd'), '/fs/docs\n');
    assert.equal(after('adder --a 2 --b 40'), '2 + 40 = 42\n');
    assert.equal(after('adder --a two --b 40'), 'adder: --a expects i32, got "two"\n');
    assert.equal(after('adder --a 2'), 'adder: missing --b <i32>\n');
    assert.match(after('nosuch'), /^nosuch: no program of that name is installed/);
    const pid = /\[(\d+)\] ticker started\n/.exec(after('start ticker --every 50 --times 1000'))?.[1];
    assert.ok(pid !== undefined, out);
    assert.equal(after('jobs'), `[${pid}] ticker running\n`);
    assert.equal(after('kill $!'), `[${pid}] ticker failed (killed)\n`);
    assert.match(after('wait $!'), /\[\d+\] adder exited with code 0\n$/, 'the background adder may print before or after the prompt');
    assert.match(after('kill 1'), /kill: 1: not a program this shell started/);
    assert.match(after('df'), /^\/fs: \/dev\/disk0 \(SING\), 63\.9 MiB, [\d.]+ MiB used, [\d.]+ MiB free\n$/);
    assert.match(after('cat missing.txt'), /^cat: \/fs\/missing\.txt: .*E_NOT_FOUND/);
    assert.match(after('rm docs'), /E_NOT_EMPTY/);
    // Pipes: tools joined by |, the output of the last one redirected or shown.
    assert.equal(after('cat notes.txt | wc'), '      2       5      26\n');
    const home = Buffer.byteLength(HOME_PAGE);
    const homeLines = HOME_PAGE.split('\n').length - 1;
    const homeWords = HOME_PAGE.split(/\s+/).filter((w) => w !== '').length;
    assert.equal(after('cat notes.txt www/index.html | cat | wc'), `${[2 + homeLines, 5 + homeWords, 26 + home].map((n) => String(n).padStart(7)).join(' ')}\n`);
    assert.match(after('wc notes.txt www/index.html'), /^ +2 +5 +26 notes\.txt\n +\d+ +\d+ +\d+ www\/index\.html\n +\d+ +\d+ +\d+ total\n$/);
    const listing = `index.html  ${home}\n`.length;
    assert.equal(after('cat count.txt'), `      1       2 ${String(listing).padStart(7)}\n`, 'ls www | wc > count.txt wrote the count');
    assert.match(after('adder | wc'), /^adder: not a tool, so it cannot be joined with \|/);
    assert.match(after('ls | '), /^sh: \| needs a command after it\n$/);
    // The status service's views: processes, the namespace, the mount points, the exchange heap.
    assert.match(after('ps'), /^ *PID +PPID +PROGRAM +STATE +DOMAIN +FUEL +HEAP +BLOCKS +ENDPOINTS\n/);
    for (const p of ['supervisor', 'disk', 'fat', 'net', 'web', 'status', 'console', 'shell']) assert.match(after('ps'), new RegExp(`\\d+ +\\d+ +${p} +running +kernel`), `ps lists ${p}`);
    assert.match(after('names'), /^\/\n {2}dev\/\n(.*\n)* {4}console +Terminal +console\[\d+\]\n(.*\n)* {2}fs\/\*\* +File, Directory, Volume +fat\[\d+\]\n(.*\n)* {2}status +Status +status\[\d+\]\n/);
    assert.match(after('mount'), /^\/fs {2}File, Directory, Volume {2}served by fat\[\d+\]\n/);
    assert.match(after('free'), /^ +TOTAL +USED +FREE +LIVE +BLOCKS +RESERVED +FRAGMENTED\nexchange heap +512\.0M /);
    assert.match(out, /sing: the shell ended \(status 3\)/);
    assert.match(out, /fat \/fs: unmounted cleanly/);
    fsckClean(join(store, 'disks', 'disk0.img'));

    // The next boot finds the files the shell left; a script ends with its last command's status.
    const again = await boot(store, 'cat notes.txt\ncat nosuch\n');
    assert.equal(again.code, 1, again.out);
    assert.match(again.out, /\$ cat notes\.txt\nhello from the shell\nmore\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the console driver fails and comes back: the shell binds it again and the script goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-shell-'));
  const store = join(dir, 'store');
  try {
    const file = join(dir, 'console.sh');
    writeFileSync(file, ['sleep 8000', 'echo after the console came back', 'exit 4'].join('\n') + '\n');
    let killed: Promise<void> | null = null;
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--store', store, '--port', '0', '--script', file], (out) => {
      if (killed !== null || !out.includes('$ sleep 8000\n')) return;
      killed = (async () => {
        const ps = await run(process.execPath, ['--import', 'tsx', MAIN, 'ps', '--store', store, '--json']);
        const pid = (JSON.parse(ps.out) as { processes: { pid: number; program: string }[] }).processes.find((p) => p.program === 'console')?.pid;
        assert.ok(pid !== undefined, ps.out);
        const k = await run(process.execPath, ['--import', 'tsx', MAIN, 'kill', String(pid), '--store', store]);
        assert.equal(k.code, 0, k.err);
      })();
    });
    assert.ok(killed !== null, 'the console was killed during the sleep');
    await killed;
    assert.match(r.out, /supervisor: console failed \(killed\); restarting console/);
    assert.match(r.out, /\$ echo after the console came back\nafter the console came back\n/, 'the line typed after the kill reached the new console driver');
    assert.equal(r.code, 4, `${r.out}\n${r.err}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing script is named, and nothing boots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-shell-'));
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--store', join(dir, 'store'), '--script', join(dir, 'nope.sh')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--script .*nope\.sh: no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm start reaches the shell prompt and serves the home page', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-shell-'));
  try {
    const script = join(dir, 'wait.sh');
    writeFileSync(script, 'sleep 60000\n');
    let served: Promise<string> | null = null;
    const r = await run('npm', ['start', '--silent', '--', '--store', join(dir, 'store'), '--port', '0', '--script', script], (all) => {
      const url = /the system is up at (http:\S+\/)/.exec(all)?.[1];
      if (served === null && url !== undefined && all.includes('/fs$ sleep 60000')) {
        served = fetch(url).then(async (res) => {
          const body = await res.text();
          const running = JSON.parse(readFileSync(join(dir, 'store', 'run.json'), 'utf8')) as { pid: number };
          process.kill(running.pid, 'SIGTERM');
          return body;
        });
      }
    });
    assert.ok(served !== null, `the prompt never came:\n${r.out}\n${r.err}`);
    assert.match(await (served as Promise<string>), /Sing is running/);
    assert.match(r.out, /sing: SIGTERM: stopping the programs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasTmux = spawnSync('tmux', ['-V']).error === undefined;

test('at a terminal (tmux): typing, history, a background program, shutdown', { skip: !hasTmux && process.env['CI'] !== 'true' ? 'tmux is not installed' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sing-tmux-'));
  const name = `sing-${process.pid}`;
  const tmux = (...a: string[]): string => spawnSync('tmux', a, { encoding: 'utf8' }).stdout;
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-300');
  const waitFor = async (re: RegExp, what: string): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const s = screen();
      if (re.test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tmux: ${what} never showed:\n${screen()}`);
  };
  const type = async (line: string): Promise<void> => { tmux('send-keys', '-t', name, '-l', line); tmux('send-keys', '-t', name, 'Enter'); await new Promise((r) => setTimeout(r, 50)); };
  try {
    tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', `cd ${ROOT} && ${process.execPath} --import tsx ${MAIN} boot --store ${join(dir, 'store')} --port 0; echo BOOT-ENDED $?; sleep 30`);
    await waitFor(/\/fs\$ $/m, 'the prompt');
    await type('ls');
    await waitFor(/^www\/$/m, 'ls');
    await type('echo typed at a terminal > t.txt');
    await type('cat t.txt');
    await waitFor(/^typed at a terminal$/m, 'cat');
    tmux('send-keys', '-t', name, 'Up');
    tmux('send-keys', '-t', name, 'Enter');
    await waitFor(/(typed at a terminal\n[\s\S]*){2}/, 'the recalled cat');
    // The console driver's line editing: a word fixed with the cursor keys before Enter.
    tmux('send-keys', '-t', name, '-l', 'echo helo wrld');
    tmux('send-keys', '-t', name, 'Left', 'Left', 'Left');
    tmux('send-keys', '-t', name, '-l', 'o');
    tmux('send-keys', '-t', name, 'Home', 'Right', 'Right', 'Right', 'Right', 'Right', 'Right', 'Right');
    tmux('send-keys', '-t', name, '-l', 'l');
    tmux('send-keys', '-t', name, 'Enter');
    await waitFor(/^hello world$/m, 'the edited line');
    await type('cat t.txt | wc');
    await waitFor(/^ +1 +4 +20$/m, 'the pipe');
    await type('adder --a 2 --b 40');
    await waitFor(/^2 \+ 40 = 42$/m, 'adder');
    await type('start ticker --every 100 --times 1000');
    const s = await waitFor(/\[(\d+)\] ticker started/, 'ticker started');
    const pid = /\[(\d+)\] ticker started/.exec(s)?.[1] as string;
    await waitFor(/tick 2/, 'ticks');
    await type(`kill ${pid}`);
    await waitFor(new RegExp(`\\[${pid}\\] ticker failed \\(killed\\)`), 'the kill');
    await type('shutdown');
    const end = await waitFor(/BOOT-ENDED \d+/, 'the end of the boot');
    assert.match(end, /fat \/fs: unmounted cleanly/);
    assert.match(end, /BOOT-ENDED 0/);
    fsckClean(join(dir, 'store', 'disks', 'disk0.img'));
  } finally {
    tmux('kill-session', '-t', name);
    rmSync(dir, { recursive: true, force: true });
  }
});
