// Typed views of a contract: what an endpoint of a given side and state may send and receive.
// Rules for callers: these are types only; the channel layer implements them and checks every
// message again at run time. The import side sends `in` messages and receives `out` ones; the
// export side the reverse. An endpoint's state is part of its type, so `send` returns the endpoint
// typed at the next state and `receive` yields a union that a `switch (m.tag)` narrows.
// A field made by `endpointOf('Name', side, state)` is typed as an endpoint of the member Name of
// the contract's group (`contracts({...})`), or of the contract itself when it was defined alone.
import type { AnyContract, Dir, END, EndpointRef, GroupOf, MessageSpec } from './contract.ts';
import type { FieldMap, Infer } from './field.ts';

export type Side = 'imp' | 'exp';
type SentBy<Sd extends Side> = Sd extends 'imp' ? 'in' : 'out';
type ReceivedBy<Sd extends Side> = Sd extends 'imp' ? 'out' : 'in';

type Msgs<C extends AnyContract> = C['messages'];
type Row<C extends AnyContract, S extends string> = S extends keyof C['states'] ? C['states'][S] : Record<never, never>;

type TagsOf<C extends AnyContract, S extends string, D extends Dir> = {
  [T in keyof Row<C, S> & keyof Msgs<C>]: Msgs<C>[T] extends MessageSpec<D, FieldMap> ? T : never;
}[keyof Row<C, S> & keyof Msgs<C>] & string;

export type SendTags<C extends AnyContract, Sd extends Side, S extends string> = TagsOf<C, S, SentBy<Sd>>;
export type RecvTags<C extends AnyContract, Sd extends Side, S extends string> = TagsOf<C, S, ReceivedBy<Sd>>;

export type Next<C extends AnyContract, S extends string, T extends string> =
  T extends keyof Row<C, S> ? (Row<C, S>[T] extends string ? Row<C, S>[T] : END) : END;

type FieldsOf<C extends AnyContract, T extends string> = Msgs<C>[T] extends MessageSpec<Dir, infer F> ? F : Record<never, never>;

/** The contract a reference field names: the member N of C's group, else C itself. */
export type RefTarget<C extends AnyContract, N> = N extends keyof GroupOf<C> ? (GroupOf<C>[N] extends AnyContract ? GroupOf<C>[N] : C) : C;
type FieldValue<C extends AnyContract, F> = F extends EndpointRef<infer N, infer Sd, infer St> ? Endpoint<RefTarget<C, N>, Sd, St> : Infer<F>;
/** A message's payload in contract C (reference fields resolved). */
export type PayloadOf<C extends AnyContract, F extends FieldMap> = { -readonly [K in keyof F]: FieldValue<C, F[K]> };

export type PayloadArgs<C extends AnyContract, T extends string> =
  keyof FieldsOf<C, T> extends never ? [] : [payload: PayloadOf<C, FieldsOf<C, T>>];

export type MessageOf<C extends AnyContract, Sd extends Side, S extends string, T extends string> =
  { readonly tag: T; readonly ep: Endpoint<C, Sd, Next<C, S, T>> } & PayloadOf<C, FieldsOf<C, T>>;

/** Reported by receive when the peer closed or died and every queued message was delivered. */
export interface Closed { readonly tag: '$closed'; readonly ep?: undefined }

export type Received<C extends AnyContract, Sd extends Side, S extends string> =
  | { [T in RecvTags<C, Sd, S>]: MessageOf<C, Sd, S, T> }[RecvTags<C, Sd, S>]
  | Closed;

export interface Endpoint<C extends AnyContract, Sd extends Side, S extends string> {
  /** The contract's name. */
  readonly contract: string;
  readonly side: Sd;
  /** The endpoint's current state, as this side sees it. */
  readonly state: S;
  send<T extends SendTags<C, Sd, S>>(tag: T, ...payload: PayloadArgs<C, T>): Endpoint<C, Sd, Next<C, S, T>>;
  receive(): Promise<Received<C, Sd, S>>;
  /** Receives one message and insists on its tag; anything else (or a close) throws. */
  expect<T extends RecvTags<C, Sd, S>>(tag: T): Promise<MessageOf<C, Sd, S, T>>;
  /** Closes this end: the handle is revoked; the peer receives what was sent, then `$closed`. */
  close(): void;
}

export type Imp<C extends AnyContract, S extends string = C['initial']> = Endpoint<C, 'imp', S>;
export type Exp<C extends AnyContract, S extends string = C['initial']> = Endpoint<C, 'exp', S>;
