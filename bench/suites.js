// The benchmark suites `npm run bench [suite...]` knows, in the order they run by default. A suite module
// exports `suite`: { name, title, measures: [...], summary?(results) -> Markdown } (see bench/codec/suite.js).
// To add one (the echo benchmark, bench/echo/suite.js), add a line here. capacity is the servers' own
// capacity per core; echo the same servers driven by the ws client (client-bound: a second view).

export const SUITES = {
  codec: () => import('./codec/suite.js'),
  capacity: () => import('./capacity/suite.js'),
  deflate: () => import('./deflate/suite.js'),
  echo: () => import('./echo/suite.js'),
  memory: () => import('./memory/suite.js'),
  broadcast: () => import('./broadcast/suite.js'),
  pubsub: () => import('./pubsub/suite.js'),
};

/**
 * What `npm start` (bench/run.js --summary) runs: the codec suite's masking and frame measures and a short
 * capacity run (three rounds of 500 ms per server, no size sweep).
 */
export const SUMMARY_SUITES = ['codec', 'capacity'];
