// Channel errors, with stable codes. A ProtocolViolation or RevokedEndpoint raised by a process's
// own call ends that process (see endpoint.ts); the other classes are ordinary, catchable errors.
import { SingError } from '../lib/error.ts';

/** A message that the contract does not allow in the sender's state, or with a bad field. */
export class ProtocolViolation extends SingError {
  constructor(message: string) { super('E_PROTOCOL', message); }
}
/** Use of a handle after it moved (sent in a message) or was closed. */
export class RevokedEndpoint extends SingError {
  constructor(message: string) { super('E_REVOKED', message); }
}
/** `expect` met the end of the conversation instead of the message it wanted. */
export class ChannelClosed extends SingError {
  constructor(message: string) { super('E_CLOSED', message); }
}
/** `expect` received a different message than the one it insisted on. */
export class UnexpectedMessage extends SingError {
  constructor(message: string) { super('E_UNEXPECTED', message); }
}
/** A second receive or select on an endpoint that already has one pending. */
export class EndpointBusy extends SingError {
  constructor(message: string) { super('E_BUSY', message); }
}
