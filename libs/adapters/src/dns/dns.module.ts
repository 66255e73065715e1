import { Global, Module, ServiceUnavailableException } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { createDnsProvider, DnsProvider, formatEndpoint, PropagationChecker } from '@fleetcert/dns';
import { DNS_PROVIDER, DNS_PROPAGATION } from './dns.tokens';

/**
 * Without TSIG credentials fleetcert cannot change the zone; the API still runs
 * (operators can enrol devices) and address reports answer 503 with the reason.
 */
class UnconfiguredDnsProvider implements DnsProvider {
  private fail(): never {
    throw new ServiceUnavailableException(
      'Dynamic DNS is not configured (FLEETCERT_DNS_TSIG_SECRET is not set)',
    );
  }
  presentTxt(): Promise<void> {
    this.fail();
  }
  cleanUpTxt(): Promise<void> {
    this.fail();
  }
  setAddresses(): Promise<void> {
    this.fail();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DNS_PROVIDER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): DnsProvider => {
        const { dns, fleet } = config;
        if (!dns.tsig) return new UnconfiguredDnsProvider();
        return createDnsProvider(dns.provider, {
          zone: fleet.zone,
          ttl: dns.ttl,
          server: dns.server.host,
          port: dns.server.port,
          timeoutMs: dns.timeoutMs,
          tsig: dns.tsig,
        });
      },
    },
    {
      provide: DNS_PROPAGATION,
      inject: [APP_CONFIG],
      useFactory: ({ dns }: AppConfig): PropagationChecker =>
        new PropagationChecker({
          nameservers: dns.nameservers?.map((ns) => formatEndpoint(ns)),
          resolver: formatEndpoint(dns.server),
          timeoutMs: dns.propagationTimeoutMs,
          intervalMs: dns.propagationIntervalMs,
          queryTimeoutMs: Math.min(dns.timeoutMs, 2000),
        }),
    },
  ],
  exports: [DNS_PROVIDER, DNS_PROPAGATION],
})
export class DnsModule {}
