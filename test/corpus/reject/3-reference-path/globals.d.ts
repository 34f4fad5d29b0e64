// Types a host would describe; referenced, never imported.
interface HostInfo {
  readonly secret: string;
}
