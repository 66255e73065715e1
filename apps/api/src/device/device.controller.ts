import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Device } from '@fleetcert/db';
import { CurrentDevice, DeviceAuth } from '../auth/auth.decorators';
import { ErrorBody } from '../common/error-body';
import { AddressesResultView, DeviceSelfView, UpdateAddressesDto } from './device.dto';
import { DeviceService } from './device.service';

@ApiTags('device')
@Controller('v1/device')
@DeviceAuth()
export class DeviceController {
  constructor(private readonly service: DeviceService) {}

  @Get()
  @ApiOkResponse({ type: DeviceSelfView })
  self(@CurrentDevice() device: Device): Promise<DeviceSelfView> {
    return this.service.self(device);
  }

  @Put('addresses')
  @ApiOkResponse({ type: AddressesResultView })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Not an IP address of that family' })
  @ApiServiceUnavailableResponse({ type: ErrorBody, description: 'DNS server unreachable; nothing changed' })
  updateAddresses(
    @CurrentDevice() device: Device,
    @Body() dto: UpdateAddressesDto,
  ): Promise<AddressesResultView> {
    return this.service.updateAddresses(device.id, dto);
  }
}
