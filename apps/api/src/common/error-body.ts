import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** The one error shape of the whole API. */
export class ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase.' })
  error!: string;

  @ApiProperty({
    example: 'ipv4 must be an IPv4 address',
    description: 'What went wrong, for a person to read.',
  })
  message!: string;

  @ApiPropertyOptional({ type: [String], description: 'Every problem found, when there are several.' })
  details?: string[];

  @ApiPropertyOptional({ description: 'The request id, also in the X-Request-Id header and in the logs.' })
  requestId?: string;
}

/** The error shape for `statusCode`, its reason phrase filled in. */
export function errorBody(statusCode: number, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra };
}
