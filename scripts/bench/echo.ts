// The anchors of row (a) and the subject of row (a2): a plain publish-to-
// subscriber echo. Each client subscribes QoS 1 to its own topic, publishes the
// command-sized payload there and waits to receive it back.
import { type LoadOptions, type LoadResult, runRig } from './load.js';

export interface EchoBroker {
  port: number;
  /** Client ids must satisfy the broker's rules (ours ties them to the user). */
  clientId: (i: number) => string;
  topic: (clientId: string) => string;
  username?: string;
  password?: string;
}

function sameId(doc: unknown, id: string): 'mine' | 'other' {
  return typeof doc === 'object' && doc !== null && (doc as { id?: unknown }).id === id ? 'mine' : 'other';
}

export function echoRun(broker: EchoBroker, clients: number, opts: LoadOptions): Promise<LoadResult> {
  return runRig(
    {
      port: broker.port,
      clients,
      clientId: broker.clientId,
      ...(broker.username !== undefined ? { username: broker.username } : {}),
      ...(broker.password !== undefined ? { password: broker.password } : {}),
      publishTopic: broker.topic,
      replyTopic: broker.topic,
      check: sameId,
    },
    opts,
  );
}

/** Anonymous echo for mosquitto and bare aedes. */
export function plainEcho(port: number): EchoBroker {
  return { port, clientId: (i) => `bench-echo-${i}`, topic: (cid) => `bench/echo/${cid}` };
}

/** Echo through our Broker as a staff tablet: staff may publish and subscribe vim/staff/#. */
export function staffEcho(port: number, username: string, password: string): EchoBroker {
  return { port, username, password, clientId: (i) => `${username}@echo${i}`, topic: (cid) => `vim/staff/${cid}` };
}
