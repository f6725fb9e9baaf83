// Wraps a cell so that it runs with the codec's dispatcher forced to one backend ('js', 'wasm',
// 'wasm-simd'), and back to 'auto' afterwards. setBackend is global: cells run one at a time.

import { activeBackend, setBackend } from 'wasmsocket/codec';

export function forcedBackend(name, cell) {
  return {
    ...cell,
    run: cell.run.bind(cell),
    prepare: cell.prepare?.bind(cell),
    setup() {
      setBackend(name);
      if (activeBackend() !== name) throw new Error(`bench: asked for backend ${name}, got ${activeBackend()}`);
      cell.setup?.();
    },
    teardown() {
      cell.teardown?.();
      setBackend('auto');
    },
  };
}
