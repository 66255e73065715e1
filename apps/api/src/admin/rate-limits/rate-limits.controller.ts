import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorAuth } from '../../auth/auth.decorators';
import { ErrorBody } from '../../common/error-body';
import { ListRateLimitsQuery, RateLimitsView } from './rate-limits.dto';
import { RateLimitsService } from './rate-limits.service';

@ApiTags('admin: rate limits')
@Controller('v1/admin/rate-limits')
export class RateLimitsController {
  constructor(private readonly service: RateLimitsService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: RateLimitsView })
  @ApiBadRequestResponse({ type: ErrorBody })
  list(@Query() query: ListRateLimitsQuery): Promise<RateLimitsView> {
    return this.service.list(query);
  }
}
