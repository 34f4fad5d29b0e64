// The FAT engine's public face: format a device, mount a volume, check it.
// Rules for callers: import from here only; everything rejects with FatError.
// Invariants: this folder imports nothing outside itself (it runs inside a sealed program).
export { FatError, type FatErrorCode } from './errors.ts';
export { MemoryDevice, type SectorDevice } from './device.ts';
export { format, planLayout, type FormatOptions, type Layout } from './format.ts';
export { FatVolume, FatFile, type MountOptions, type FileInfo, type OpenOptions, type VolumeStats } from './volume.ts';
export type { Extent } from './files.ts';
export type { Attributes, Times } from './tree.ts';
export { fsck, type FsckOptions } from './fsck.ts';
export type { FsckReport, Problem, ProblemCode } from './problems.ts';
export type { FatType, Geometry } from './boot.ts';
