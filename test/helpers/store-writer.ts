// Child process for the crash-durability test: appends events as fast as it can and prints the
// sequence number of every event *after* its emit resolved (i.e. after it was acknowledged durable).
import { StateStore } from '../../src/model/store.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: store-writer DATADIR');
const store = await StateStore.open(dir, { snapshotEverySeconds: 0.05 });
process.stdout.write(`ready ${store.state.seq}\n`);
let i = 0;
for (;;) {
  const batch = Array.from({ length: 1 + (i % 7) }, (_, k) =>
    store.emit({
      type: 'node.stage',
      data: {
        mac: `52:54:00:00:${String((i + k) % 100).padStart(2, '0')}:01`,
        stage: 'collecting',
        detail: `n${i + k}`,
      },
    }),
  );
  i += batch.length;
  for (const ev of await Promise.all(batch)) process.stdout.write(`ack ${ev.seq}\n`);
}
