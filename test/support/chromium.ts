// How the tests start Chromium: Debian's /usr/bin/chromium unless CHROMIUM_PATH names another binary. As
// root in a sandboxed machine with no outside network, it needs no sandbox and none of its background
// services (which would try to reach the internet).

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
