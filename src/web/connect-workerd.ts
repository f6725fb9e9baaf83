// The Cloudflare workerd connector: connect() from 'cloudflare:sockets', with TLS for wss:
// (secureTransport 'on'). Imported only by the workerd entry (index.workerd.ts, chosen by the "workerd"
// export condition), so browsers and other bundles never see the 'cloudflare:sockets' import.

import { connect } from 'cloudflare:sockets';
import { hostnameOf, isSecureUrl, portOf } from '../protocol/websocket-url.js';
import type { Connector } from './socket-streams.js';

export const workerdConnector: Connector = async (url, { signal }) => {
  signal?.throwIfAborted();
  const socket = connect(
    { hostname: hostnameOf(url), port: portOf(url) },
    { secureTransport: isSecureUrl(url) ? 'on' : 'off', allowHalfOpen: false },
  );
  const onAbort = () => {
    socket.close().catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // opened rejects when the connection cannot be made (refused, or not allowed by the Worker's outbound).
    await socket.opened;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
  return { readable: socket.readable, writable: socket.writable };
};
