import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** OpenAPI document at /docs/openapi.json and its UI at /docs. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('fleetcert')
      .setDescription('Publicly trusted TLS certificates for a fleet of devices: device API and admin API.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Device token (fcd_…)' }, 'device')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Operator API key (fco_…)' }, 'operator')
      .addCookieAuth(
        'fleetcert_session',
        { type: 'apiKey', in: 'cookie', description: 'Dashboard session from POST /v1/admin/session' },
        'session',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
