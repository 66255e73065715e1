import { DeviceHistoryController } from './device-history/device-history.controller';
import { DeviceHistoryService } from './device-history/device-history.service';
import { FailuresController } from './failures/failures.controller';
import { FailuresService } from './failures/failures.service';
import { QueueAdminController } from './queue/queue-admin.controller';
import { QueueAdminService } from './queue/queue-admin.service';
import { SessionController } from './session/session.controller';
import { SessionService } from './session/session.service';
import { StatsController } from './stats/stats.controller';
import { StatsService } from './stats/stats.service';

/**
 * The admin endpoints the operator dashboard reads and acts through (beyond devices,
 * operators and audit): sign-in sessions, a device's history, failures by error type, the
 * issuance queue, and issuance over time. Everything the dashboard shows comes from here
 * or from another admin endpoint, so an operator can get it without a browser.
 */
export const DASHBOARD_CONTROLLERS = [
  SessionController,
  DeviceHistoryController,
  FailuresController,
  QueueAdminController,
  StatsController,
];

export const DASHBOARD_PROVIDERS = [
  SessionService,
  DeviceHistoryService,
  FailuresService,
  QueueAdminService,
  StatsService,
];
