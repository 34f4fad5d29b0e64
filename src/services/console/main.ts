// The console driver: owns the host's terminal (its manifest declares it, `{ kind: 'terminal' }`)
// and exports it as /dev/console on sing/contracts/terminal — a line at a time, with editing and
// history (line-editor.ts), and text out to the screen.
// Rules for clients: bind /dev/console; ReadLine is answered with the next line typed (Line) or End
// once the input has ended; Write is answered once the text is on the screen. Clients are served
// each in a thread of its own; their ReadLines are answered in the order they came, one line each,
// so two clients never split a line between them. Output is written as it comes.
// Invariants: input the host delivers while no line is asked for is kept (by the kernel, then in
// `pending` here) and used for the next ReadLine; once the input has ended, every ReadLine gets End.
import { defineProgram, type Exp, type Listener, type TerminalPort } from 'sing/runtime';
import { Terminal } from 'sing/contracts/terminal';
import { LineEditor } from './line-editor.ts';

/** The terminal, its line discipline, and the queue of readers waiting for a line. */
class Keyboard {
  readonly #port: TerminalPort;
  readonly #editor: LineEditor;
  #pending = '';
  #ended = false;
  #queue: (() => void)[] = [];
  #busy = false;

  constructor(port: TerminalPort) {
    this.#port = port;
    this.#editor = new LineEditor(port.interactive);
  }

  write(text: string): void {
    for (let i = 0; i < text.length; i += 65536) this.#port.write(text.slice(i, i + 65536));
  }

  /** The next line, after the prompt; null once the input has ended. One reader at a time. */
  async line(prompt: string): Promise<string | null> {
    if (this.#busy) await new Promise<void>((resolve) => { this.#queue.push(resolve); });
    this.#busy = true;
    try {
      return await this.#read(prompt);
    } finally {
      const next = this.#queue.shift();
      if (next === undefined) this.#busy = false;
      else next();
    }
  }

  async #read(prompt: string): Promise<string | null> {
    if (this.#ended && this.#pending === '') return null;
    this.write(this.#editor.begin(prompt));
    for (;;) {
      if (this.#pending !== '') {
        const fed = this.#editor.feed(this.#pending);
        this.#pending = this.#pending.slice(fed.used);
        this.write(fed.draw);
        if (fed.line !== undefined) return fed.line;
      }
      if (this.#ended) {
        if (this.#editor.typing) { // a last line with no newline after it is a line still
          const fed = this.#editor.feed('\n');
          this.write(fed.draw);
          return fed.line ?? null;
        }
        this.write(this.#port.interactive ? '\r\n' : '\n');
        this.#pending = '';
        return null;
      }
      const more = await this.#port.read();
      if (more === null) this.#ended = true;
      else this.#pending += more;
    }
  }
}

async function serve(kb: Keyboard, ep: Exp<typeof Terminal>): Promise<void> {
  let idle = ep;
  for (;;) {
    const m = await idle.receive();
    if (m.tag === '$closed') return;
    if (m.tag === 'ReadLine') {
      const line = await kb.line(m.prompt);
      idle = line === null ? m.ep.send('End') : m.ep.send('Line', { text: line });
    } else {
      kb.write(m.text);
      idle = m.ep.send('Written');
    }
  }
}

export default defineProgram({
  name: 'console',
  version: '1.0.0',
  category: 'driver',
  exports: { tty: Terminal.exp('/dev/console') },
  resources: { exchangeHeap: '64KiB', host: { terminal: { kind: 'terminal' } } },
  async main({ abi, tty }) {
    const kb = new Keyboard(abi.openTerminal('terminal'));
    let listener: Listener<typeof Terminal> = tty;
    for (;;) {
      const m = await listener.receive();
      if (m.tag === '$closed') return 0;
      abi.spawn(serve, kb, m.client);
      listener = m.ep.send('Accept');
    }
  },
});
