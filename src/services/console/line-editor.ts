// The console driver's line discipline: turns the keys a person types (or a script's text) into
// lines, with editing and history, and says what to draw on the screen as it goes.
// Rules for callers: `begin(prompt)` starts a line and returns what to write (the prompt); then
// `feed(input)` takes input and returns what to draw, the finished line (or `null` when the input
// ended on an empty line, Ctrl-D), and how much of the input it used: input past a finished line
// stays the caller's, for the next line. Interactive mode redraws the line after each key (the
// cursor keys, Home/End, backspace, delete, Ctrl-A/E/U/K/W, Up/Down through history); a script's
// text is echoed line by line, as if typed, with no escape sequences.
// Invariants: 0 <= cursor <= line length; history keeps at most HISTORY lines, oldest dropped, no
// empty line and no line twice in a row; an escape sequence cut at the end of the input is not
// used up, so it completes with the next piece.
export const HISTORY = 500;

export interface Fed {
  /** Text to write to the screen now. */
  readonly draw: string;
  /** The finished line (without its newline), null at the end of input, undefined: not yet. */
  readonly line: string | null | undefined;
  /** Characters of the input taken. */
  readonly used: number;
}

const ESC = '\x1b';

export class LineEditor {
  readonly #interactive: boolean;
  readonly #history: string[] = [];
  #prompt = '';
  #text = '';
  #cursor = 0;
  /** Where Up/Down is in the history (history.length: the line being written), and that line. */
  #at = 0;
  #draft = '';
  #afterCr = false;

  constructor(interactive: boolean) { this.#interactive = interactive; }

  get history(): readonly string[] { return this.#history; }
  /** Whether part of a line has been typed. */
  get typing(): boolean { return this.#text !== ''; }

  begin(prompt: string): string {
    this.#prompt = prompt;
    this.#text = '';
    this.#cursor = 0;
    this.#at = this.#history.length;
    this.#draft = '';
    return prompt;
  }

  feed(input: string): Fed {
    let draw = '';
    let i = 0;
    while (i < input.length) {
      const c = input[i] as string;
      if (c === '\n' && this.#afterCr) { this.#afterCr = false; i++; continue; } // CR LF is one Enter
      this.#afterCr = c === '\r';
      if (c === '\r' || c === '\n') return { draw: draw + this.#finish(), line: this.#take(), used: i + 1 };
      if (c === ESC) {
        const n = this.#escape(input, i);
        if (n === 0) return { draw, line: undefined, used: i }; // cut short: wait for the rest
        i += n;
      } else {
        i++;
        if (c === '\x04') { // Ctrl-D: the end of input on an empty line, else delete forward
          if (this.#text === '') return { draw: draw + (this.#interactive ? '\r\n' : '\n'), line: null, used: i };
          this.#edit(this.#text.slice(0, this.#cursor) + this.#text.slice(this.#cursor + 1), this.#cursor);
        } else if (c === '\x7f' || c === '\b') {
          if (this.#cursor > 0) this.#edit(this.#text.slice(0, this.#cursor - 1) + this.#text.slice(this.#cursor), this.#cursor - 1);
        } else if (c === '\x01') this.#cursor = 0;
        else if (c === '\x05') this.#cursor = this.#text.length;
        else if (c === '\x15') this.#edit(this.#text.slice(this.#cursor), 0);
        else if (c === '\x0b') this.#edit(this.#text.slice(0, this.#cursor), this.#cursor);
        else if (c === '\x17') {
          const before = this.#text.slice(0, this.#cursor).replace(/\S+\s*$/, '');
          this.#edit(before + this.#text.slice(this.#cursor), before.length);
        } else if (c === '\t') this.#insert(' ');
        else if (c >= ' ') this.#insert(c);
        // other control characters are ignored, as a terminal's line discipline would
      }
      if (this.#interactive) draw += this.#redraw();
    }
    return { draw, line: undefined, used: i };
  }

  /** The length of the escape sequence at `i` (0: not all there yet), acted on. */
  #escape(s: string, i: number): number {
    // eslint-disable-next-line no-control-regex -- an escape sequence starts with ESC
    const m = /^\x1b(?:\[([0-9;]*)([A-Za-z~])|O([A-Za-z])|([^[O]))/.exec(s.slice(i, i + 16));
    if (m === null) return s.length - i < 16 ? 0 : 1;
    const key = m[2] === '~' ? `~${m[1] ?? ''}` : (m[2] ?? m[3] ?? '');
    switch (key) {
      case 'A': this.#recall(-1); break;
      case 'B': this.#recall(1); break;
      case 'C': this.#cursor = Math.min(this.#text.length, this.#cursor + 1); break;
      case 'D': this.#cursor = Math.max(0, this.#cursor - 1); break;
      case 'H': case '~1': case '~7': this.#cursor = 0; break;
      case 'F': case '~4': case '~8': this.#cursor = this.#text.length; break;
      case '~3': this.#edit(this.#text.slice(0, this.#cursor) + this.#text.slice(this.#cursor + 1), this.#cursor); break;
      default: break; // a key with no meaning here
    }
    return m[0].length;
  }

  #recall(step: number): void {
    const to = this.#at + step;
    if (to < 0 || to > this.#history.length) return;
    if (this.#at === this.#history.length) this.#draft = this.#text;
    this.#at = to;
    const t = to === this.#history.length ? this.#draft : this.#history[to] as string;
    this.#edit(t, t.length);
  }

  #insert(c: string): void { this.#edit(this.#text.slice(0, this.#cursor) + c + this.#text.slice(this.#cursor), this.#cursor + 1); }

  #edit(text: string, cursor: number): void {
    this.#text = text;
    this.#cursor = Math.max(0, Math.min(cursor, text.length));
  }

  /** The prompt and line drawn again from the line's start, the cursor put back in its place. */
  #redraw(): string {
    const back = this.#text.length - this.#cursor;
    return `\r${this.#prompt}${this.#text}${ESC}[K${back > 0 ? `${ESC}[${String(back)}D` : ''}`;
  }

  #finish(): string { return this.#interactive ? '\r\n' : `${this.#text}\n`; }

  #take(): string {
    const line = this.#text;
    if (line.trim() !== '' && this.#history.at(-1) !== line) {
      this.#history.push(line);
      if (this.#history.length > HISTORY) this.#history.shift();
    }
    this.#text = '';
    this.#cursor = 0;
    return line;
  }
}
