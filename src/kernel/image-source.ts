// An image as the image compiler makes it and the install store keeps it: sealed code, the globals
// it binds, and the hash that names both.
// Rules for callers: compute `hash` only with `imageHash`; the kernel refuses an image whose hash
// does not match. This file stays free of SES, so the installer can name images without booting
// a kernel.
import { createHash } from 'node:crypto';

export interface ImageSource {
  /** The program's name, as the image was installed under. */
  readonly name: string;
  /** sha256 of `code` and `globals`: the image's identity. */
  readonly hash: string;
  readonly code: string;
  readonly globals: readonly string[];
}

export function imageHash(code: string, globals: readonly string[]): string {
  // JSON names the globals unambiguously (no name can contain its quotes or a newline unescaped).
  return createHash('sha256').update(JSON.stringify(globals)).update('\n').update(code).digest('hex');
}
