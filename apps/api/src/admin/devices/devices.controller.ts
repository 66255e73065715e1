import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { ErrorBody } from '../../common/error-body';
import {
  CreateDeviceDto,
  CreatedDeviceView,
  CreatedDevicesView,
  CreateDevicesDto,
  DevicePageView,
  DeviceView,
  ListDevicesQuery,
  TokenView,
} from './devices.dto';
import { DevicesService } from './devices.service';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('admin: devices')
@ApiBadRequestResponse({ type: ErrorBody })
@Controller('v1/admin/devices')
export class DevicesController {
  constructor(private readonly service: DevicesService) {}

  @Post()
  @OperatorAuth('admin')
  @ApiCreatedResponse({ type: CreatedDeviceView })
  @ApiConflictResponse({ type: ErrorBody, description: 'Label or identifier already in use' })
  async create(
    @CurrentOperator() auth: OperatorPrincipal,
    @Body() dto: CreateDeviceDto,
  ): Promise<CreatedDeviceView> {
    const [created] = await this.service.create(auth, [dto]);
    return created;
  }

  @Post('bulk')
  @OperatorAuth('admin')
  @ApiCreatedResponse({ type: CreatedDevicesView })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'A label or identifier already in use; nothing created',
  })
  async createMany(
    @CurrentOperator() auth: OperatorPrincipal,
    @Body() dto: CreateDevicesDto,
  ): Promise<CreatedDevicesView> {
    return { devices: await this.service.create(auth, dto.devices) };
  }

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: DevicePageView })
  list(@Query() query: ListDevicesQuery): Promise<DevicePageView> {
    return this.service.list(query);
  }

  @Get(':id')
  @OperatorAuth()
  @ApiOkResponse({ type: DeviceView })
  @ApiNotFoundResponse({ type: ErrorBody })
  get(@Param('id', uuid) id: string): Promise<DeviceView> {
    return this.service.get(id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: DeviceView })
  @ApiNotFoundResponse({ type: ErrorBody })
  disable(@CurrentOperator() auth: OperatorPrincipal, @Param('id', uuid) id: string): Promise<DeviceView> {
    return this.service.setEnabled(auth, id, false);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: DeviceView })
  @ApiNotFoundResponse({ type: ErrorBody })
  enable(@CurrentOperator() auth: OperatorPrincipal, @Param('id', uuid) id: string): Promise<DeviceView> {
    return this.service.setEnabled(auth, id, true);
  }

  @Post(':id/rotate-token')
  @HttpCode(200)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: TokenView })
  @ApiNotFoundResponse({ type: ErrorBody })
  rotateToken(@CurrentOperator() auth: OperatorPrincipal, @Param('id', uuid) id: string): Promise<TokenView> {
    return this.service.rotateToken(auth, id);
  }
}
