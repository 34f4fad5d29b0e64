// The contracts layer's public face: the DSL, field types and typed endpoint views.
export { contract, contracts, inn, out, END, endpointOf, ContractError, compiledOf, isEndpointDecl } from './contract.ts';
export type { Contract, ContractShape, AnyContract, EndpointDecl, EndpointRef, MessageSpec, Dir, CheckStates, CheckGroup, ContractGroup, GroupDef } from './contract.ts';
export { i32, u32, f64, bool, str, enumOf, record, array } from './field.ts';
export type { FieldType, Infer, Payload, FieldMap } from './field.ts';
export type { Endpoint, Imp, Exp, Side, Received, MessageOf, Closed, SendTags, RecvTags, Next } from './view.ts';
export type { CompiledContract, CompiledMessage, Transition } from './compiler.ts';
