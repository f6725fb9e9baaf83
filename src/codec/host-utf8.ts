// The host's own UTF-8 validator, where it has one: Node's buffer.isUtf8 (simdutf). Found through
// process.getBuiltinModule so that the codec has no static node: import and bundles for browsers and
// workerd, where this is null.

type IsUtf8 = (input: Uint8Array) => boolean;

interface NodeProcess {
  getBuiltinModule?: (id: string) => { isUtf8?: IsUtf8 } | undefined;
}

function findHostIsUtf8(): IsUtf8 | null {
  try {
    const process = (globalThis as { process?: NodeProcess }).process;
    const isUtf8 = process?.getBuiltinModule?.('node:buffer')?.isUtf8;
    return typeof isUtf8 === 'function' ? isUtf8 : null;
  } catch {
    return null;
  }
}

export const hostIsUtf8: IsUtf8 | null = findHostIsUtf8();
