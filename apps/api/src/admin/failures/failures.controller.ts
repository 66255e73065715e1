import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorAuth } from '../../auth/auth.decorators';
import { ErrorBody } from '../../common/error-body';
import { FailureReportView, FailuresQuery } from './failures.dto';
import { FailuresService } from './failures.service';

@ApiTags('admin: failures')
@Controller('v1/admin/failures')
export class FailuresController {
  constructor(private readonly service: FailuresService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({
    type: FailureReportView,
    description: "Failed certificate requests grouped by error type, with the CA's detail.",
  })
  @ApiBadRequestResponse({ type: ErrorBody })
  report(@Query() query: FailuresQuery): Promise<FailureReportView> {
    return this.service.report(query);
  }
}
