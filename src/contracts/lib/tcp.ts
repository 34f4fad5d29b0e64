// The TCP contracts (after the RDK's NetStack TcpContract and TcpConnectionContract): `Tcp`, the
// network service's factory at /service/tcp, hands out sessions; `TcpConnection` is one session,
// which binds and listens (and accepts connections as new sessions of its own kind) or connects,
// then reads and writes with exchange-heap buffers, half-closes either way, closes or aborts.
// Rules for clients: a session starts in Start and hears Ready; a connection accepted from a
// listener is a channel the client made in the entry state PreConnected (`abi.channel(TcpConnection,
// 'PreConnected')`), whose export end it hands over in Accept and which hears Ready once a peer
// has connected. A Read or PollRead hands the service a buffer, which always comes back (Data with
// the bytes read into it, NoData, NoMoreData, ConnectionClosed); so does a Write (Sent, CantSend).
// Errors are values: CouldNotConnect carries a TcpError name (`Refused`, `Reset`, `Timeout`, ...)
// and a reason; a listen or bind the client's manifest does not declare is refused with a reason.
// Where Sing departs from the RDK: addresses are text ('127.0.0.1') with a numeric port; the four
// address queries are one (GetEndPoints -> EndPoints); reads fill a buffer the client gives (the
// RDK's stack allocated each Data); Accept hands the unused endpoint back when the listener closes
// (CouldNotAccept), as every Sing contract does with an endpoint it cannot use; a reset while only
// receiving is ConnectionClosed there too.
// Invariants: the states and their moves are the RDK's (ReceiveOnly after DoneSending, SendOnly
// after DoneReceiving or NoMoreData, Zombie when neither way is open), and Close or Abort ends the
// session from any state that allows them.
import { bool, bytes, contract, endpointOf, f64, inn, out, str, END } from 'sing/runtime';

/** The error names CouldNotConnect carries (the RDK's TcpError). */
export const TCP_ERRORS = ['Unknown', 'AlreadyConnected', 'Refused', 'Reset', 'Timeout', 'ProtocolViolation', 'ResourcesExhausted', 'Closed'] as const;
export type TcpError = (typeof TCP_ERRORS)[number];

/** The address queries of one state: GetEndPoints goes to `query` and comes back. */
const endPoints = <const S extends string>(state: S): { readonly GetEndPoints: `${S}EndPoints` } => ({ GetEndPoints: `${state}EndPoints` });

export const TcpConnection = contract('TcpConnection', {
  messages: {
    Ready: out(),
    Connect: inn({ address: str, port: f64 }),
    BindLocalEndPoint: inn({ address: str, port: f64 }),
    OK: out(),
    InvalidEndPoint: out({ reason: str }),
    CouldNotConnect: out({ error: str, reason: str }),
    Listen: inn({ backlog: f64 }),
    CouldNotListen: out({ reason: str }),
    GetEndPoints: inn(),
    EndPoints: out({ localAddress: str, localPort: f64, remoteAddress: str, remotePort: f64 }),
    IsSessionAvailable: inn(),
    SessionIsAvailable: out({ isAvailable: bool }),
    Accept: inn({ newConnection: endpointOf('TcpConnection', 'exp', 'PreConnected') }),
    CouldNotAccept: out({ reason: str, newConnection: endpointOf('TcpConnection', 'exp', 'PreConnected') }),
    Read: inn({ buf: bytes }),
    PollRead: inn({ buf: bytes, timeout: f64 }),
    IsDataAvailable: inn(),
    DataIsAvailable: out({ isAvailable: bool }),
    Data: out({ buf: bytes, bytes: f64 }),
    NoData: out({ buf: bytes }),
    NoMoreData: out({ buf: bytes }),
    ConnectionClosed: out({ buf: bytes }),
    Write: inn({ buf: bytes, bufOffset: f64, length: f64 }),
    Sent: out({ buf: bytes }),
    CantSend: out({ buf: bytes, reason: str }),
    DoneSending: inn(),
    DoneReceiving: inn(),
    Close: inn(),
    Abort: inn(),
  },
  initial: 'Start',
  entries: ['PreConnected'],
  states: {
    Start: { Ready: 'ReadyState' },
    ReadyState: { Connect: 'ConnectResult', BindLocalEndPoint: 'BindResult', Close: END },
    BindResult: { OK: 'Bound', InvalidEndPoint: 'ReadyState' },
    Bound: { Listen: 'ListenResult', Connect: 'ConnectResult', Close: END },
    ConnectResult: { CouldNotConnect: 'ReadyState', OK: 'Connected' },
    ListenResult: { CouldNotListen: 'ReadyState', OK: 'Listening' },
    Listening: { ...endPoints('Listening'), IsSessionAvailable: 'SessionQuery', Accept: 'Accepting', Close: END },
    ListeningEndPoints: { EndPoints: 'Listening' },
    SessionQuery: { SessionIsAvailable: 'Listening' },
    Accepting: { OK: 'Listening', CouldNotAccept: 'Listening' },
    PreConnected: { Ready: 'Connected' },
    Connected: {
      Read: 'ReadResult', PollRead: 'PollReadResult', Write: 'WriteResult', IsDataAvailable: 'ConnectedAvailable', ...endPoints('Connected'),
      DoneSending: 'ReceiveOnly', DoneReceiving: 'SendOnly', Close: END, Abort: END,
    },
    ConnectedAvailable: { DataIsAvailable: 'Connected' },
    ConnectedEndPoints: { EndPoints: 'Connected' },
    ReadResult: { Data: 'Connected', NoMoreData: 'SendOnly', ConnectionClosed: 'Zombie' },
    PollReadResult: { Data: 'Connected', NoData: 'Connected', NoMoreData: 'SendOnly', ConnectionClosed: 'Zombie' },
    WriteResult: { Sent: 'Connected', CantSend: 'ReceiveOnly' },
    ReceiveOnly: {
      Read: 'ROReadResult', PollRead: 'ROPollReadResult', IsDataAvailable: 'ReceiveOnlyAvailable', ...endPoints('ReceiveOnly'),
      DoneReceiving: 'Zombie', Close: END, Abort: END,
    },
    ReceiveOnlyAvailable: { DataIsAvailable: 'ReceiveOnly' },
    ReceiveOnlyEndPoints: { EndPoints: 'ReceiveOnly' },
    ROReadResult: { Data: 'ReceiveOnly', NoMoreData: 'Zombie', ConnectionClosed: 'Zombie' },
    ROPollReadResult: { Data: 'ReceiveOnly', NoData: 'ReceiveOnly', NoMoreData: 'Zombie', ConnectionClosed: 'Zombie' },
    SendOnly: { Write: 'SOWriteResult', ...endPoints('SendOnly'), DoneSending: 'Zombie', Close: END, Abort: END },
    SendOnlyEndPoints: { EndPoints: 'SendOnly' },
    SOWriteResult: { Sent: 'SendOnly', CantSend: 'Zombie' },
    Zombie: { Close: END, Abort: END },
  },
});

/** The network service's factory at /service/tcp: each CreateTcpSession starts a session. */
export const Tcp = contract('Tcp', {
  messages: {
    Ready: out(),
    CreateTcpSession: inn({ endpoint: endpointOf(TcpConnection, 'exp', 'Start') }),
    Ack: out(),
  },
  initial: 'Start',
  states: {
    Start: { Ready: 'ReadyState' },
    ReadyState: { CreateTcpSession: 'Creating' },
    Creating: { Ack: 'ReadyState' },
  },
});
