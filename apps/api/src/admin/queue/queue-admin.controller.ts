import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { ErrorBody } from '../../common/error-body';
import { FailedJobPageView, FailedJobsQuery, QueueCountsView, RetriedJobView } from './queue.dto';
import { QueueAdminService } from './queue-admin.service';

@ApiTags('admin: queue')
@ApiServiceUnavailableResponse({ type: ErrorBody, description: 'Redis is unreachable' })
@Controller('v1/admin/queue')
export class QueueAdminController {
  constructor(private readonly service: QueueAdminService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: QueueCountsView, description: 'Jobs of the issuance queue by state.' })
  counts(): Promise<QueueCountsView> {
    return this.service.counts();
  }

  @Get('failed')
  @OperatorAuth()
  @ApiOkResponse({ type: FailedJobPageView })
  @ApiBadRequestResponse({ type: ErrorBody })
  failed(@Query() query: FailedJobsQuery): Promise<FailedJobPageView> {
    return this.service.failed(query.offset, query.limit);
  }

  @Post('jobs/:id/retry')
  @HttpCode(200)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: RetriedJobView })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'The job is not failed' })
  retry(
    @CurrentOperator() auth: OperatorPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<RetriedJobView> {
    return this.service.retry(auth, id);
  }
}
