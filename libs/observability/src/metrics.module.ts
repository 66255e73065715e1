import { DynamicModule, Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** Makes the process's one {@link Metrics} injectable everywhere. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: Metrics, useValue: metrics }],
      exports: [Metrics],
    };
  }
}
