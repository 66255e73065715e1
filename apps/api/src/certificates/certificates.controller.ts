import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  BadRequestException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Device } from '@fleetcert/db';
import { CurrentDevice, DeviceAuth } from '../auth/auth.decorators';
import { WritesOnlyNewRows } from '../read-cache/write-sync.hook';
import { ErrorBody } from '../common/error-body';
import { CertificateRequestView, SubmitCsrDto } from './certificates.dto';
import { CertificatesService, DeviceWithFleet } from './certificates.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

@ApiTags('device')
@Controller('v1/certificates')
@DeviceAuth()
export class CertificatesController {
  constructor(private readonly service: CertificatesService) {}

  @Post()
  @HttpCode(202)
  @WritesOnlyNewRows()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeat a submission safely: the same key returns the same request.',
  })
  @ApiAcceptedResponse({ type: CertificateRequestView })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Not a CSR, or its signature does not verify' })
  @ApiForbiddenResponse({ type: ErrorBody, description: "An identifier that is not this device's" })
  @ApiUnprocessableEntityResponse({
    type: ErrorBody,
    description: 'Refused by policy: weak key, too many names, …',
  })
  submit(
    @CurrentDevice() device: DeviceWithFleet,
    @Body() dto: SubmitCsrDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CertificateRequestView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1–128 printable ASCII characters');
    }
    return this.service.submit(device, dto, idempotencyKey);
  }

  /**
   * Answers with the view already serialized (devices poll this all day; the read cache keeps
   * the body), under the content type Fastify would have given the view. Errors keep theirs:
   * the error filter sets it.
   */
  @Get(':id')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ type: CertificateRequestView })
  @ApiNotFoundResponse({ type: ErrorBody })
  get(@CurrentDevice() device: Device, @Param('id', new ParseUUIDPipe()) id: string): Promise<string> {
    return this.service.getJson(device, id);
  }
}
