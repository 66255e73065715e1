export * from './db.module';
export * from './tokens';
export * from './prisma-client';
export * from './pg-pool';
export * from './sql/statement';
export * from './sql/batch-per-turn';
export * from './sql/unique-violation';
export * from './sql/postgres-error';
export * from './sql/database-unavailable';
export * from './change-feed/change-feed';
export * from './change-feed/device-read-cache';
export * from './repositories/acme-account.repository';
export * from './repositories/audit.repository';
export * from './repositories/certificate-request.repository';
export * from './repositories/certificate.repository';
export * from './repositories/challenge.repository';
export * from './repositories/device.repository';
export * from './repositories/device-history.repository';
export * from './repositories/failure-report.repository';
export * from './repositories/issuance-stats.repository';
export * from './repositories/operator-session.repository';
export * from './repositories/fleet.repository';
export * from './repositories/operator.repository';
export * from './repositories/fleet-status.repository';
export * from './repositories/rate-limit.repository';
export * from './repositories/renewal.repository';
export type {
  AcmeAccount,
  ApiKey,
  Certificate,
  CertificateRequest,
  Challenge,
  AuditEvent,
  Device,
  DeviceToken,
  Fleet,
  Operator,
  OperatorSession,
  PrismaClient,
} from './generated/client';
export {
  ActorType,
  ChallengeStatus,
  ChallengeType,
  DeviceStatus,
  FleetPrivacy,
  OperatorRole,
  Prisma,
  RequestStatus,
} from './generated/client';
