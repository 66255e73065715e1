import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorAuth } from '../../auth/auth.decorators';
import { ErrorBody } from '../../common/error-body';
import { IssuanceSeriesQuery, IssuanceSeriesView } from './stats.dto';
import { StatsService } from './stats.service';

@ApiTags('admin: stats')
@Controller('v1/admin/stats')
export class StatsController {
  constructor(private readonly service: StatsService) {}

  @Get('issuance')
  @OperatorAuth()
  @ApiOkResponse({
    type: IssuanceSeriesView,
    description:
      'Certificates issued and requests failed per day or hour, and live certificates expiring ahead.',
  })
  @ApiBadRequestResponse({ type: ErrorBody })
  issuance(@Query() query: IssuanceSeriesQuery): Promise<IssuanceSeriesView> {
    return this.service.issuance(query);
  }
}
