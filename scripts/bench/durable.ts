// Row (a): the durable command round trip. Each staff client publishes
// vim/cmd/logbook/add QoS 1 and waits for the answer on vim/reply/<clientId>,
// which the gateway sends only after the record's commit is fsynced.
import { type LoadOptions, type LoadResult, runRig } from './load.js';

interface AnswerDoc {
  id?: unknown;
  ok?: unknown;
  error?: { code?: unknown; message?: unknown };
}

function checkAnswer(doc: unknown, id: string): 'mine' | `error:${string}` | 'other' {
  if (typeof doc !== 'object' || doc === null) return 'other';
  const a = doc as AnswerDoc;
  if (a.id !== id) return 'other';
  if (a.ok === true) return 'mine';
  return `error:${String(a.error?.code)}: ${String(a.error?.message)}`;
}

export function durableRun(port: number, username: string, password: string, clients: number, opts: LoadOptions): Promise<LoadResult> {
  return runRig(
    {
      port,
      clients,
      clientId: (i) => `${username}@cmd${i}`,
      username,
      password,
      publishTopic: () => 'vim/cmd/logbook/add',
      replyTopic: (cid) => `vim/reply/${cid}`,
      check: checkAnswer,
    },
    opts,
  );
}
