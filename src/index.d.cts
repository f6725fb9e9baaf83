// The CommonJS face of the entry, for TypeScript (copied to dist/ by scripts/build.js; every type it
// names is declared by tsc from src/). `require('wasmsocket')` returns the WebSocket class: the ES entry's
// 'module.exports' export, which Node's require() of an ES module returns. These declarations say so
// as ws's do, `export = WebSocket`, so that `import WebSocket = require('wasmsocket')` is the class (with
// WebSocket.Server, WebSocket.RawData...) also where TypeScript does not read that export: `module:
// commonjs`, which resolves packages the Node 10 way. package.json names this file for `require` and as
// its top-level "types".

import { WebSocket } from './node/websocket.js';

export = WebSocket;
