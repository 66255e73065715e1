import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { DeviceTokenStrategy } from './device-token.strategy';
import { OperatorKeyStrategy } from './operator-key.strategy';
import { OperatorSessionStrategy } from './operator-session.strategy';
import { OperatorRoleGuard } from './auth.decorators';
import { DeviceTokenUses } from './token-use-recorder';

@Module({
  imports: [PassportModule],
  providers: [
    DeviceTokenStrategy,
    DeviceTokenUses,
    OperatorKeyStrategy,
    OperatorSessionStrategy,
    OperatorRoleGuard,
  ],
})
export class AuthModule {}
