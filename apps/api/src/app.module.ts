import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@fleetcert/config';
import { DbModule } from '@fleetcert/db';
import { Metrics, MetricsModule } from '@fleetcert/observability';
import { ApiKeysController } from './admin/api-keys/api-keys.controller';
import { OperatorsService } from './admin/api-keys/operators.service';
import { AuditController } from './admin/audit/audit.controller';
import { DASHBOARD_CONTROLLERS, DASHBOARD_PROVIDERS } from './admin/dashboard-endpoints';
import { RENEWAL_CONTROLLERS, RENEWAL_PROVIDERS } from './admin/renewal-endpoints';
import { DevicesController } from './admin/devices/devices.controller';
import { DevicesService } from './admin/devices/devices.service';
import { AuthModule } from './auth/auth.module';
import { CertificatesController } from './certificates/certificates.controller';
import { CertificatesService } from './certificates/certificates.service';
import { CsrSignatureChecks } from './certificates/csr-signature-checks';
import { CA_DIRECTORY_VIEW_PROVIDER } from './ca-directory/ca-directory-view';
import { ChallengeResponderController } from './challenges/challenge-responder.controller';
import { AcmeAccountController } from './admin/acme-account/acme-account.controller';
import { AcmeAccountService } from './admin/acme-account/acme-account.service';
import { FleetSettingsController } from './admin/fleet-settings/fleet-settings.controller';
import { FleetSettingsService } from './admin/fleet-settings/fleet-settings.service';
import { DeviceChallengesController } from './challenges/device-challenges.controller';
import { AccountKeyFingerprintService } from './certificates/account-key-fingerprint.service';
import { ApiErrorFilter } from './common/api-error.filter';
import { createValidationPipe } from './common/validation.pipe';
import { DeviceController } from './device/device.controller';
import { DeviceService } from './device/device.service';
import { AcmeModule, DnsModule, SecretBoxModule, ShutdownGraceModule } from '@fleetcert/adapters';
import { FleetModule } from './fleet/fleet.module';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ClusterModule } from './cluster/cluster.module';
import { IssuanceQueue } from './queue/issuance-queue';
import { QueueModule } from './queue/queue.module';
import { ReadCacheModule } from './read-cache/read-cache.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, metrics: Metrics): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule.forRoot(metrics),
        ClusterModule,
        DbModule,
        QueueModule,
        DnsModule,
        SecretBoxModule,
        AcmeModule,
        ShutdownGraceModule,
        FleetModule,
        ReadCacheModule,
        AuthModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        DevicesController,
        ApiKeysController,
        AuditController,
        DeviceController,
        CertificatesController,
        ChallengeResponderController,
        FleetSettingsController,
        AcmeAccountController,
        DeviceChallengesController,
        ...DASHBOARD_CONTROLLERS,
        ...RENEWAL_CONTROLLERS,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        DevicesService,
        OperatorsService,
        DeviceService,
        CertificatesService,
        CsrSignatureChecks,
        AccountKeyFingerprintService,
        CA_DIRECTORY_VIEW_PROVIDER,
        FleetSettingsService,
        AcmeAccountService,
        IssuanceQueue,
        ...DASHBOARD_PROVIDERS,
        ...RENEWAL_PROVIDERS,
      ],
    };
  }
}
