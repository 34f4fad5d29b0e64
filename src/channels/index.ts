// The channel layer's public face. Programs reach channels only through the runtime; the kernel
// uses openChannel/closeAll with its own Owner records.
export { EndpointHandle, isEndpointHandle, PARKED, openChannel, closeAll, coreOfHandle, useHandle, serveEach, adopt, transfer, accept, CLOSED } from './endpoint.ts';
export type { EndpointCore, Msg, Delivery, Waiter } from './endpoint.ts';
export { select, TIMEOUT } from './select.ts';
export type { SelectResult, SelectOptions, Timeout } from './select.ts';
export type { Owner } from './owner.ts';
export { ProtocolViolation, RevokedEndpoint, ChannelClosed, UnexpectedMessage, EndpointBusy } from './error.ts';
