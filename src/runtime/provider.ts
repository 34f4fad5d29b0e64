// The provider contract: how the name service hands a service its clients.
// Rules for callers: a service holds the export end (a Listener) and, for each `Connect`, either
// sends `Accept` (keeping `client`) or `Refuse` with a reason, handing `client` back so the kernel
// can close it. The name service holds the import end and sends one `Connect` at a time. `path` is
// what the client bound below the provider's name: '' for a name registered exactly, '/www/a.html'
// for a bind of /fs/www/a.html that a mount at /fs serves (Singularity's reparse); `access` is
// 'read' or 'write' for a mounted path (what the binder's manifest declares), '' otherwise.
import { contract, endpointOf, inn, out, type AnyContract, type ContractShape, type MessageSpec } from '../contracts/contract.ts';
import { str, type FieldType } from '../contracts/field.ts';
import type { Endpoint, Exp } from '../contracts/view.ts';

export type ProviderShape<C extends AnyContract> = ContractShape<
  {
    Connect: MessageSpec<'in', { client: FieldType<Exp<C>>; path: FieldType<string>; access: FieldType<string> }>;
    Accept: MessageSpec<'out', Record<never, never>>;
    Refuse: MessageSpec<'out', { reason: FieldType<string>; client: FieldType<Exp<C>> }>;
  },
  { Ready: { Connect: 'Deciding' }; Deciding: { Accept: 'Ready'; Refuse: 'Ready' } },
  'Ready'
>;

/** A service's end of its registration: receives `Connect { client }`. */
export type Listener<C extends AnyContract> = Endpoint<ProviderShape<C>, 'exp', 'Ready'>;

/** The provider contract for C (interned: one per contract). */
export function providerOf<C extends AnyContract>(c: C): ProviderShape<C> {
  const client = endpointOf(c, 'exp', c.initial);
  return contract(`Provider.${c.name}`, {
    messages: { Connect: inn({ client, path: str, access: str }), Accept: out(), Refuse: out({ reason: str, client }) },
    initial: 'Ready',
    states: { Ready: { Connect: 'Deciding' }, Deciding: { Accept: 'Ready', Refuse: 'Ready' } },
  }) as unknown as ProviderShape<C>;
}
