// The image table: the programs a kernel has installed, and how one instance of a program is
// made from its image.
// Rules for callers (the kernel): `install` loads an image once per name (the same image again
// is a no-op; another image under that name is refused until `uninstall`); `instantiate` runs
// the image's module for one process (with that process's guard) and returns its program spec;
// `manifest` validates the manifest the first instance declares and is then the image's for good.
// Invariants: an entry's manifest, once set, is frozen and agrees with the installer's (when the
// installer gave an `agrees` check); its census counts the program's live processes.
import type { Manifest } from '../runtime/program.ts';
import { programSpec, validateManifest } from '../runtime/program.ts';
import { errorInfo, KernelError, who } from './error.ts';
import { loadImage, type GuardObject, type Image, type ImageSource } from './image.ts';
import type { Census } from './process-table.ts';

/** An installed image and, once its first instance has been checked, its validated manifest;
 * and how many of its processes live. */
export interface Installed {
  readonly image: Image;
  manifest: Manifest | null;
  readonly agrees: ((m: Manifest) => string | undefined) | null;
  readonly census: Census;
}

export class ImageTable {
  private readonly images = new Map<string, Installed>();
  constructor(private readonly runtime: object) {}

  /** Loads an image. `agrees`, when given, is asked once, when the first instance declares its
   * manifest, whether that manifest is the one the installer stored (a reason when it is not). */
  install(src: ImageSource, agrees?: (m: Manifest) => string | undefined): Image {
    const have = this.images.get(src.name);
    if (have !== undefined) {
      if (have.image.hash === src.hash) return have.image;
      throw new KernelError('E_INSTALLED', `install ${src.name}: another image is installed under this name; uninstall it first`);
    }
    const image = loadImage(src, this.runtime);
    this.images.set(src.name, { image, manifest: null, agrees: agrees ?? null, census: { live: 0 } });
    return image;
  }

  uninstall(name: string): void {
    if (!this.images.delete(name)) throw new KernelError('E_NO_PROGRAM', `uninstall ${name}: no such program`);
  }

  names(): string[] { return [...this.images.keys()].sort(); }

  get(name: string): Installed | undefined { return this.images.get(name); }

  /** Runs an image's module for one process and returns its program spec (E_INIT,
   * E_NOT_PROGRAM). `asker` (null: the host) and `op` name the operation in an error message,
   * built only when one is thrown: creating a process is a hot path, and makes no closures. */
  instantiate(inst: Installed, guard: GuardObject, asker: Asker, op: Op): object {
    let exported: unknown;
    try {
      exported = inst.image.factory(guard);
    } catch (e) {
      throw new KernelError('E_INIT', `${opName(inst, asker, op)}: module initialisation failed: ${errorInfo(e).message}`);
    }
    const spec = programSpec(exported);
    if (spec === undefined) throw new KernelError('E_NOT_PROGRAM', `${opName(inst, asker, op)}: the image's default export is not defineProgram({...})`);
    return spec;
  }

  /** The image's manifest: validated from the first instance's spec, then kept. */
  manifest(inst: Installed, spec: object, asker: Asker, op: Op): Manifest {
    if (inst.manifest !== null) return inst.manifest;
    const m = validateManifest(spec);
    const why = inst.agrees?.(m);
    if (why !== undefined) throw new KernelError('E_MANIFEST_MISMATCH', `${opName(inst, asker, op)}: the image declares a manifest other than the one installed: ${why}`);
    return (inst.manifest = m);
  }
}

type Asker = { readonly label: string } | null;
type Op = 'create' | 'manifestOf';

function opName(inst: Installed, asker: Asker, op: Op): string {
  return op === 'create' ? `${who(asker)}: create(${inst.image.name})` : `manifestOf(${inst.image.name})`;
}
