import { DynamicModule, Module } from '@nestjs/common';
import { AcmeModule, DnsModule, SecretBoxModule, ShutdownGraceModule } from '@fleetcert/adapters';
import { AppConfig, ConfigModule } from '@fleetcert/config';
import { DbModule } from '@fleetcert/db';
import { Metrics, MetricsModule } from '@fleetcert/observability';
import { Dns01Solver } from './issuance/dns01-solver';
import { Http01Solver } from './issuance/http01-solver';
import { IssuanceWorker } from './issuance/issuance.worker';
import { IssueCertificateService } from './issuance/issue-certificate.service';
import { WorkerMetricsServer } from './metrics/worker-metrics.server';
import { ReconcilerService } from './reconciler/reconciler.service';
import { RateLimitGate } from './issuance/rate-limit-gate';
import { RenewalPlanner } from './renewal/renewal-planner';
import { RenewalService } from './renewal/renewal.service';
import { RenewalScheduler } from './renewal/renewal.scheduler';

/**
 * The worker process: a Nest application context running the BullMQ processors; its only
 * HTTP is the metrics endpoint ({@link WorkerMetricsServer}).
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, metrics: Metrics): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule.forRoot(metrics),
        DbModule,
        DnsModule,
        SecretBoxModule,
        AcmeModule,
        ShutdownGraceModule,
      ],
      providers: [
        Dns01Solver,
        Http01Solver,
        IssueCertificateService,
        IssuanceWorker,
        ReconcilerService,
        RateLimitGate,
        RenewalPlanner,
        RenewalService,
        RenewalScheduler,
        WorkerMetricsServer,
      ],
    };
  }
}
