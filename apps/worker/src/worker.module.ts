import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@fleetcert/config';
import { DbModule } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';

/**
 * The worker process: a Nest application context (no HTTP server) that runs the
 * BullMQ processors. Processors register here as their features land.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, metrics: Metrics): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DbModule],
      providers: [{ provide: Metrics, useValue: metrics }],
    };
  }
}
