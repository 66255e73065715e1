import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class CreateSessionDto {
  @ApiProperty({ description: 'An operator API key (fco_…), exchanged for a session cookie.' })
  @IsString()
  @MaxLength(200)
  apiKey!: string;
}

export class SessionOperatorView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['admin', 'viewer'] }) role!: string;
}

export class SessionView {
  @ApiProperty({ type: SessionOperatorView }) operator!: SessionOperatorView;
  @ApiProperty({
    enum: ['session', 'api-key'],
    description: 'How this request was authenticated: the dashboard cookie or a bearer key.',
  })
  via!: 'session' | 'api-key';
  @ApiProperty({ nullable: true, type: String, description: 'When the session ends (null for a key).' })
  expiresAt!: string | null;
}
