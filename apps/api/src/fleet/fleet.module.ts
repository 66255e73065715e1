import { Global, Module } from '@nestjs/common';
import { CurrentFleetService } from './current-fleet.service';

@Global()
@Module({ providers: [CurrentFleetService], exports: [CurrentFleetService] })
export class FleetModule {}
