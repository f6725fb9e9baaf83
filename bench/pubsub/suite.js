// The pub/sub suite: a burst of 125 B messages published to a topic with 100 subscribers, delivered by
// the in-process registry (publisher and subscribers on one server process) against fan-out across two
// server processes through Redis (the RedisAdapter), in the same run.

import { environment as codecEnvironment, environmentLine } from '../codec/environment.js';
import { PUBSUB_BUDGET, runPubsub } from './run-pubsub.js';

let outcome = null;
const notes = [];

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length === 0 ? null : sorted[Math.floor(sorted.length / 2)];
}

const SERIES = [
  { id: 'in-process', label: 'one process (in-process topics)' },
  { id: 'redis', label: 'two processes through Redis' },
];

const measure = (id, title, unit, figure) => ({
  id,
  title,
  unit,
  scale: 1,
  caseLabel: 'burst',
  cases: [
    {
      id: 'burst',
      label: `${PUBSUB_BUDGET.messages} x ${PUBSUB_BUDGET.bytes} B to ${PUBSUB_BUDGET.subscribers} subscribers`,
    },
  ],
  series: SERIES,
  ratios: [{ label: 'Redis ÷ in-process', of: 'redis', over: 'in-process' }],
  notes,
  async before(progress) {
    if (outcome === null) {
      outcome = await runPubsub(progress);
      if (outcome.unavailable !== null) notes.push(`not measured: ${outcome.unavailable}`);
      notes.push(
        `median of ${PUBSUB_BUDGET.rounds} rounds; the subscribers are ws clients in the benchmark's own process.`,
      );
    }
  },
  cell(_case, series) {
    return { value: median(outcome.runs.filter((r) => r.seriesId === series.id).map((r) => r[figure])) };
  },
});

export const suite = {
  name: 'pubsub',
  title: 'publish/subscribe: in-process topics against fan-out across processes through Redis',
  environment: codecEnvironment,
  header: () => `## Publish/subscribe benchmark\n\n${environmentLine()}`,
  measures: [
    measure('pubsub-messages', 'messages published per second, all delivered', 'messages/s', 'messagesPerSecond'),
    measure(
      'pubsub-deliveries',
      'deliveries per second (messages x subscribers)',
      'deliveries/s',
      'deliveriesPerSecond',
    ),
  ],
};
