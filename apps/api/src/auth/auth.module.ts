import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { DeviceTokenStrategy } from './device-token.strategy';
import { OperatorKeyStrategy } from './operator-key.strategy';
import { OperatorSessionStrategy } from './operator-session.strategy';
import { OperatorRoleGuard } from './auth.decorators';

@Module({
  imports: [PassportModule],
  providers: [DeviceTokenStrategy, OperatorKeyStrategy, OperatorSessionStrategy, OperatorRoleGuard],
})
export class AuthModule {}
