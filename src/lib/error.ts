// SingError: the base class of every error Sing raises on purpose.
// Rules for callers: subclasses live with the code that throws them and pass a stable `code`
// (SINGxxxx-style strings such as 'E_PROTOCOL'); messages name the thing, the place and the rule
// broken. Tests and programs match on `code`, never on message text.
export class SingError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
