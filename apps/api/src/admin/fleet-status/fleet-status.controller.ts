import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorAuth } from '../../auth/auth.decorators';
import { FleetStatusView } from './fleet-status.dto';
import { FleetStatusService } from './fleet-status.service';

@ApiTags('admin: fleet')
@Controller('v1/admin/fleet/status')
export class FleetStatusController {
  constructor(private readonly service: FleetStatusService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: FleetStatusView })
  get(): Promise<FleetStatusView> {
    return this.service.get();
  }
}
