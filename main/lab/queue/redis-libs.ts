/**
 * bullmq and ioredis, loaded on first use: most labs never use a queue (the CLI's `runs`, `env`, `eval`,
 * a lab without a queue setting), and importing the two costs ~0.3–0.5 s of every start.
 */
import type * as Bullmq from 'bullmq';
import type * as Ioredis from 'ioredis';

export interface RedisLibs {
  Redis: typeof Ioredis.Redis;
  Queue: typeof Bullmq.Queue;
  QueueEvents: typeof Bullmq.QueueEvents;
  Worker: typeof Bullmq.Worker;
}

let loading: Promise<RedisLibs> | null = null;

export function redisLibs(): Promise<RedisLibs> {
  loading ??= Promise.all([import('ioredis'), import('bullmq')]).then(([io, bq]) => ({
    Redis: io.Redis,
    Queue: bq.Queue,
    QueueEvents: bq.QueueEvents,
    Worker: bq.Worker,
  }));
  return loading;
}
