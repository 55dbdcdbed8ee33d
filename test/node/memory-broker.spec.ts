// The in-memory broker against the Broker contract: two servers in one process share one MemoryBroker.
import { MemoryBroker } from '../../src/server/memory-broker.js';
import { brokerSuite } from './broker-suite.js';

brokerSuite('MemoryBroker', async () => {
  const broker = new MemoryBroker();
  return { a: broker, b: broker, close: () => broker.close() };
});
