import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';

/** The process's {@link SecretBox}, keyed by `FLEETCERT_ENCRYPTION_KEYS`. */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new SecretBox(config.encryption.keys),
    },
  ],
  exports: [SecretBox],
})
export class SecretBoxModule {}
