import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorAuth } from '../../auth/auth.decorators';
import { ErrorBody } from '../../common/error-body';
import { DeviceCertificatePageView, DeviceRequestPageView, HistoryPageQuery } from './device-history.dto';
import { DeviceHistoryService } from './device-history.service';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('admin: devices')
@ApiBadRequestResponse({ type: ErrorBody })
@ApiNotFoundResponse({ type: ErrorBody, description: 'No such device' })
@Controller('v1/admin/devices/:id')
export class DeviceHistoryController {
  constructor(private readonly service: DeviceHistoryService) {}

  @Get('requests')
  @OperatorAuth()
  @ApiOkResponse({
    type: DeviceRequestPageView,
    description: "The device's certificate requests, newest first.",
  })
  requests(@Param('id', uuid) id: string, @Query() query: HistoryPageQuery): Promise<DeviceRequestPageView> {
    return this.service.requests(id, query);
  }

  @Get('certificates')
  @OperatorAuth()
  @ApiOkResponse({
    type: DeviceCertificatePageView,
    description: "The device's certificates, latest expiry first, with their renewal windows.",
  })
  certificates(
    @Param('id', uuid) id: string,
    @Query() query: HistoryPageQuery,
  ): Promise<DeviceCertificatePageView> {
    return this.service.certificates(id, query);
  }
}
