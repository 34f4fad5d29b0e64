// Message builders: one generated function per message that reads the sender's payload once,
// checks every field and returns the receiver's message object, always of the same shape
// ({ tag, ep, ...fields }) so that receiving code stays monomorphic.
// Rules for callers: `build(payload)` returns null when a field is missing or of the wrong type;
// call `explain` then for the error text. Endpoint fields are copied through unchecked; the
// channel layer validates and moves them. Field names are identifiers (checked by the contract
// snapshot), so generating code from them is safe; the generated code runs only in the kernel.
import { describeValue, INVALID, type FieldType } from './field.ts';

export interface BuiltMessage { tag: string; ep: unknown; [field: string]: unknown }
export type Build = (payload: unknown) => BuiltMessage | null;

interface BuilderField { readonly name: string; readonly type: FieldType<unknown> }

const IDENT = /^[A-Za-z_]\w*$/;

function inlineCheck(kind: string, v: string): string {
  switch (kind) {
    case 'i32': return `(typeof ${v} === 'number' && (${v} | 0) === ${v})`;
    case 'u32': return `(typeof ${v} === 'number' && ${v} >>> 0 === ${v})`;
    case 'f64': return `typeof ${v} === 'number'`;
    case 'bool': return `typeof ${v} === 'boolean'`;
    case 'str': return `typeof ${v} === 'string'`;
    case 'endpoint': case 'block': return 'true'; // moved by the channel layer, which checks them
    default: return '';
  }
}

export function makeBuilder(tag: string, fields: readonly BuilderField[]): Build {
  if (!IDENT.test(tag) || fields.some((f) => !IDENT.test(f.name))) throw new Error(`builder: ${tag}: names must be identifiers`);
  const takes = fields.map((f) => f.type.take);
  const T = JSON.stringify(tag);
  if (fields.length === 0) {
    return new Function(`return function build_${tag}(_) { return { tag: ${T}, ep: undefined }; };`)() as Build;
  }
  const reads = fields.map((f, i) => {
    const inline = inlineCheck(f.type.kind, `v${i}`);
    return inline !== ''
      ? `const v${i} = p.${f.name}; if (!${inline}) return null;`
      : `const v${i} = takes[${i}](p.${f.name}); if (v${i} === INVALID) return null;`;
  }).join('\n    ');
  const props = fields.map((f, i) => `${f.name}: v${i}`).join(', ');
  const src = `return function build_${tag}(p) {
    if (typeof p !== 'object' || p === null) return null;
    ${reads}
    return { tag: ${T}, ep: undefined, ${props} };
  };`;
  return new Function('takes', 'INVALID', src)(takes, INVALID) as Build;
}

/** Why `payload` does not fit a message's fields (for the error of a null build). */
export function explain(fields: readonly BuilderField[], payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return `needs fields ${fields.map((f) => f.name).join(', ')}, got ${describeValue(payload)}`;
  for (const f of fields) {
    const v = (payload as Record<string, unknown>)[f.name];
    if (f.type.kind !== 'endpoint' && f.type.kind !== 'block' && !f.type.check(v)) return `field ${f.name} must be ${f.type.describe}, got ${describeValue(v)}`;
  }
  return 'a field changed while it was read';
}
