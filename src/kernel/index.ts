// The kernel's public face, for hosts (CLI, tests, embedders). Programs never import this.
export { Kernel } from './kernel.ts';
export { KernelError } from './error.ts';
export type { KernelOptions, ProcessInfo, KernelEvent, Spawned } from './kernel.ts';
export { ManualClock, realClock } from './clock.ts';
export type { Clock } from './clock.ts';
export type { ConsoleSink } from './console.ts';
export { loadImage, ImageError, imageHash } from './image.ts';
export type { ImageSource, Image } from './image.ts';
export { NameError } from './name-service.ts';
export { DEFAULT_ALLOW_MULTIPLE, NamingError } from './naming.ts';
export type { NamingOptions } from './naming.ts';
export { DEFAULT_LIMITS, kernelLimits, LimitsError } from './limits.ts';
export type { KernelLimits } from './limits.ts';
