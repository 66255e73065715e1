import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { AcmeCa, AcmeClientCa } from '@fleetcert/acme';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { Metrics } from '@fleetcert/observability';
import { PostgresAccountStore } from './postgres-account-store';

/** Injection token of the configured CA (an {@link AcmeCa}). */
export const ACME_CA = Symbol('ACME_CA');

@Injectable()
class AcmeLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ACME_CA) private readonly ca: AcmeClientCa) {}
  onApplicationShutdown(): void {
    // Closes the keep-alive connections to the CA.
    this.ca.close();
  }
}

/** The one ACME account of the configured directory, on acme-client behind our own interface. */
@Global()
@Module({
  providers: [
    PostgresAccountStore,
    AcmeLifecycle,
    {
      provide: ACME_CA,
      inject: [APP_CONFIG, PostgresAccountStore, Metrics],
      useFactory: (config: AppConfig, store: PostgresAccountStore, metrics: Metrics): AcmeCa =>
        new AcmeClientCa({
          directoryUrl: config.acme.directoryUrl,
          accountStore: store,
          account: {
            contact: config.acme.contactEmail ? [`mailto:${config.acme.contactEmail}`] : [],
            termsOfServiceAgreed: config.acme.termsAgreed,
            externalAccountBinding: config.acme.eab,
          },
          caBundlePem: config.acme.caBundlePath ? readFileSync(config.acme.caBundlePath, 'utf8') : undefined,
          requestTimeoutMs: config.acme.requestTimeoutMs,
          onRetry: (event) => metrics.acmeErrors.inc({ type: event.reason }),
        }),
    },
  ],
  exports: [ACME_CA, PostgresAccountStore],
})
export class AcmeModule {}
