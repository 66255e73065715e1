import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { FleetSettingsView, UpdateFleetSettingsDto } from './fleet-settings.dto';
import { FleetSettingsService } from './fleet-settings.service';

@ApiTags('admin: fleet')
@Controller('v1/admin/fleet')
export class FleetSettingsController {
  constructor(private readonly service: FleetSettingsService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: FleetSettingsView })
  get(): Promise<FleetSettingsView> {
    return this.service.get();
  }

  @Patch()
  @OperatorAuth('admin')
  @ApiOkResponse({ type: FleetSettingsView })
  update(
    @CurrentOperator() auth: OperatorPrincipal,
    @Body() dto: UpdateFleetSettingsDto,
  ): Promise<FleetSettingsView> {
    return this.service.update(auth, dto);
  }
}
