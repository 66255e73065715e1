import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import type { Pool } from 'pg';
import { createPgPool, schemaOf } from './pg-pool';
import { createPrismaClientOnPool } from './prisma-client';
import type { PrismaClient } from './generated/client';
import { PG_POOL, PRISMA } from './tokens';
import { AcmeAccountRepository } from './repositories/acme-account.repository';
import { AuditRepository } from './repositories/audit.repository';
import { CertificateRequestRepository } from './repositories/certificate-request.repository';
import { CertificateRepository } from './repositories/certificate.repository';
import { ChallengeRepository } from './repositories/challenge.repository';
import { DeviceRepository } from './repositories/device.repository';
import { DeviceHistoryRepository } from './repositories/device-history.repository';
import { FailureReportRepository } from './repositories/failure-report.repository';
import { IssuanceStatsRepository } from './repositories/issuance-stats.repository';
import { OperatorSessionRepository } from './repositories/operator-session.repository';
import { FleetRepository } from './repositories/fleet.repository';
import { OperatorRepository } from './repositories/operator.repository';
import { FleetStatusRepository } from './repositories/fleet-status.repository';
import { RateLimitRepository } from './repositories/rate-limit.repository';
import { RenewalRepository } from './repositories/renewal.repository';

@Injectable()
class PrismaLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
    await this.pool.end();
  }
}

const repositories = [
  AcmeAccountRepository,
  AuditRepository,
  CertificateRequestRepository,
  CertificateRepository,
  ChallengeRepository,
  DeviceRepository,
  DeviceHistoryRepository,
  FailureReportRepository,
  IssuanceStatsRepository,
  OperatorSessionRepository,
  FleetRepository,
  OperatorRepository,
  FleetStatusRepository,
  RateLimitRepository,
  RenewalRepository,
];

/** Postgres access: the pool, the Prisma client on it and the repositories, the only code that queries it. */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        createPgPool(config.database.url, {
          poolSize: config.database.poolSize,
          connectionWaitMs: config.database.poolWaitMs,
          idleMs: config.database.poolIdleMs,
          queryTimeoutMs: config.database.queryTimeoutMs,
        }),
    },
    {
      provide: PRISMA,
      inject: [APP_CONFIG, PG_POOL],
      useFactory: (config: AppConfig, pool: Pool) =>
        createPrismaClientOnPool(pool, schemaOf(config.database.url)),
    },
    PrismaLifecycle,
    ...repositories,
  ],
  exports: [PRISMA, PG_POOL, ...repositories],
})
export class DbModule {}
