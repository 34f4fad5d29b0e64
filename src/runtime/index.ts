// sing/runtime: everything a program may import. Programs and services import only this module
// (and contract modules built on it), never the kernel. The kernel hands one hardened instance of
// this module to every image, so nothing here may hold per-process state.
export { contract, contracts, inn, out, END, endpointOf, ContractError } from '../contracts/contract.ts';
export type { Contract, AnyContract, ContractGroup, EndpointDecl, EndpointRef } from '../contracts/contract.ts';
export { i32, u32, f64, bool, str, enumOf, record, array } from '../contracts/field.ts';
export type { FieldType, Infer, Payload } from '../contracts/field.ts';
export type { Endpoint, Imp, Exp, Received, MessageOf, Closed } from '../contracts/view.ts';
export { bytes, exArray, exLayout, exPointers, exPtr, exRecord, exVector, text } from '../contracts/exfield.ts';
export type { Bytes, ExArray, ExRecord, ExText, ExVector, Layout, LayoutPointers, LayoutValues, Pointer, Scalar, ScalarValue } from '../contracts/exfield.ts';
export { HeapError } from '../exheap/heap.ts';
export { select, TIMEOUT } from '../channels/select.ts';
export { EndpointMap, EndpointMapError } from '../channels/endpoint-map.ts';
export type { MapReceived } from '../channels/endpoint-map.ts';
export type { SelectResult, SelectOptions, Timeout } from '../channels/select.ts';
export { ProtocolViolation, RevokedEndpoint, ChannelClosed, UnexpectedMessage, EndpointBusy } from '../channels/error.ts';
export { defineProgram, ManifestError } from './program.ts';
export type { Program, Context, ProgramSpec, HostResource, HostResourceSpec } from './program.ts';
export { providerOf } from './provider.ts';
export type { Listener } from './provider.ts';
export { ABI_VERSION } from './abi.ts';
export type { Abi, BlockDevice, IoDone, IoError, ListenOptions, NetError, PeerIdentity, ReadDone, TcpListener, TcpSocket, WriteDone, Console, Child, CreateOptions, ExitStatus, ExitReason, BindResult, ProcessState, HeapUsage, HeapStats, TerminalPort, SystemStatus, ProcessStatus, ChannelStatus, ChannelEnd, NameStatus } from './abi.ts';
