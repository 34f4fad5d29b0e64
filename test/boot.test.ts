// `sing boot` as a person runs it: the first boot on an empty store makes the disk image with a
// home page, serves it on 127.0.0.1 (curl-like fetch), names its URL; a second boot on the same
// store is refused with the running system's pid and URL; SIGTERM stops the programs and unmounts
// cleanly (the image then checks clean, with fsck.fat -n too where dosfstools is installed), and
// the next boot finds the volume as it was left and stops on SIGINT. While it runs, `sing ps`,
// `status`, `top` and `kill` reach it through its control socket (mode 0600); the services are a
// supervisor's children, and a killed web app comes back while the rest carries on. Ports are the host's choice
// (--port 0) on 127.0.0.1. Nothing asserts a duration.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Boot { readonly proc: ChildProcess; out: string; err: string; readonly exited: Promise<number | null> }

/** Every system this file booted, so that a failed test leaves none running. */
const booted: ChildProcess[] = [];

function boot(store: string, ...extra: string[]): Boot {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--store', store, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const b: Boot = { proc, out: '', err: '', exited: new Promise((r) => { proc.once('exit', (code) => { r(code); }); }) };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => { b.out += d; });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => { b.err += d; });
  booted.push(proc);
  return b;
}

after(() => { for (const p of booted) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });

/** Runs a sing command without blocking this process (the booted system's output keeps flowing). */
function sing(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8' }, (e, stdout, stderr) => {
      resolve({ status: e === null ? 0 : typeof e.code === 'number' ? e.code : null, stdout, stderr });
    });
  });
}

/** The URL once the system says it is up (or the boot's words when it ends first). */
async function up(b: Boot): Promise<string> {
  const end = Date.now() + 120_000;
  let exited = false;
  void b.exited.then(() => { exited = true; });
  for (;;) {
    const m = /the system is up at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(b.out);
    if (m !== null) return m[1] as string;
    if (exited) throw new Error(`sing boot ended before it was up:\n${b.out}\n${b.err}`);
    if (Date.now() > end) throw new Error(`sing boot was not up within 120 s:\n${b.out}\n${b.err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('sing boot: first boot, the home page, one system per store, clean stops', async () => {
  const store = mkdtempSync(join(tmpdir(), 'sing-boot-'));
  const image = join(store, 'disks', 'disk0.img');
  try {
    const first = boot(store);
    const url = await up(first);
    assert.match(first.out, /first boot: installed calc, adder, ticker and wrote the default distribution into .*system\.json\nsing: made .*disks\/disk0\.img \(64 MiB FAT, with a home page/);
    assert.ok(existsSync(join(store, 'run.json')), 'the running system is named in run.json');
    const home = await fetch(url);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await home.text(), /Sing is running/);
    const posted = await fetch(`${url}counter/visits`, { method: 'POST' });
    assert.equal(posted.status, 200, 'the counter app answers below /counter');
    await posted.text();

    // Host commands through the control socket, which only the owner can open.
    assert.equal(statSync(join(store, 'control.sock')).mode & 0o777, 0o600);
    const ps = await sing('ps', '--store', store);
    assert.equal(ps.status, 0, ps.stderr);
    const [head, ...rows] = ps.stdout.trimEnd().split('\n');
    assert.match(head ?? '', /^\s*PID\s+PPID\s+PROGRAM\s+STATE\s+DOMAIN\s+FUEL\s+HEAP\s+BLOCKS\s+ENDPOINTS$/);
    const programs = rows.map((r) => r.trim().split(/\s+/)[2]);
    for (const p of ['disk', 'fat', 'net', 'web', 'counter']) assert.ok(programs.includes(p), `ps lists ${p}: ${ps.stdout}`);
    const listed = JSON.parse((await sing('ps', '--store', store, '--json')).stdout) as { processes: { pid: number; ppid: number; program: string; fuel: number }[] };
    assert.equal(listed.processes.length, rows.length);
    assert.ok((listed.processes.find((p) => p.program === 'web')?.fuel ?? 0) > 0, 'the web server has used fuel');
    assert.match((await sing('status', '--store', store)).stdout, new RegExp(`^system pid ${String(first.proc.pid)} at ${url.replace(/[.]/g, '\\.')} since \\S+\\n\\d+ processes, \\d+ channels, \\d+ names; exchange heap .*\\nID +QUEUED +CONTRACT .*\\n.*DiskDevice +fat\\[\\d+\\] +Ready +disk\\[\\d+\\]`));
    const top = await sing('top', '--store', store, '--count', '2', '--interval', '200');
    assert.equal(top.stdout.match(/^sing top: /gm)?.length, 2, top.stdout);
    const counter = listed.processes.find((p) => p.program === 'counter');
    assert.ok(counter !== undefined);
    const supervisor = listed.processes.find((p) => p.program === 'supervisor');
    assert.ok(supervisor !== undefined && listed.processes.filter((p) => p.ppid === supervisor.pid).length === 6, 'the six services (headless: no console) are the supervisor\'s children');
    assert.equal((await sing('kill', String(counter.pid), '--store', store)).stdout.trim(), `killed ${counter.pid}`);
    assert.equal((await fetch(url)).status, 200, 'the rest carries on');
    const again0 = await sing('kill', String(counter.pid), '--store', store);
    assert.equal(again0.status, 1);
    assert.match(again0.stderr, new RegExp(`no live process has pid ${counter.pid}`));
    // The supervisor starts the app again, and the web server binds it by name.
    let back = false;
    for (let i = 0; i < 200 && !back; i++) {
      const now = JSON.parse((await sing('ps', '--store', store, '--json')).stdout) as { processes: { pid: number; program: string }[] };
      back = now.processes.some((p) => p.program === 'counter' && p.pid !== counter.pid) && (await fetch(`${url}counter/`)).status === 200;
    }
    assert.ok(back, 'the killed app came back');

    const second = boot(store);
    assert.equal(await second.exited, 1, second.out);
    assert.match(second.err, new RegExp(`already running on this store \\(pid ${String(first.proc.pid)}, ${url.replace(/[.]/g, '\\.')}\\)`));

    first.proc.kill('SIGTERM');
    assert.equal(await first.exited, 0, `${first.out}\n${first.err}`);
    assert.match(first.out, /unmounted cleanly/);
    assert.match(first.out, /sing: stopped/);
    assert.ok(!existsSync(join(store, 'run.json')), 'run.json goes with the system');
    assert.ok(!existsSync(join(store, 'control.sock')), 'so does the control socket');
    const none = await sing('ps', '--store', store);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no system is running on .*start one with sing boot/);
    const fsck = spawnSync('fsck.fat', ['-n', image], { encoding: 'utf8' });
    if (fsck.error === undefined) assert.equal(fsck.status, 0, `fsck.fat -n: ${fsck.stdout}${fsck.stderr}`);
    const own = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'fsck', image], { encoding: 'utf8' });
    assert.equal(own.status, 0, `sing fsck: ${own.stdout}${own.stderr}`);

    const again = boot(store);
    const url2 = await up(again);
    assert.doesNotMatch(again.out, /first boot/);
    assert.equal((await (await fetch(url2)).text()).includes('Sing is running'), true);
    again.proc.kill('SIGINT');
    assert.equal(await again.exited, 0, `${again.out}\n${again.err}`);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test('sing boot refuses bad usage with the rule broken', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--port', 'http'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port takes a port number 0\.\.65535, not http/);
});
