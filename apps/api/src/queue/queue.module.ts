import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { createRedisConnection } from '@fleetcert/queue';
import { REDIS } from './queue.tokens';

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

/** The API's Redis connection; queue producers join here as they arrive. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedisConnection(config.redis.url, 'producer', 'api'),
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class QueueModule {}
