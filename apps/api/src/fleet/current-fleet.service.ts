import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { Fleet, FleetRepository } from '@fleetcert/db';

/**
 * The fleet named in the configuration, created at boot if it does not exist.
 * A zone that differs from the stored one stops the boot: silently moving every
 * device's hostname to another zone would break every issued certificate's name.
 */
@Injectable()
export class CurrentFleetService implements OnModuleInit {
  private fleet?: Fleet;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly fleets: FleetRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const { name, zone, privacy } = this.config.fleet;
    const fleet = await this.fleets.ensure({ name, zone, privacy });
    if (fleet.zone !== zone) {
      throw new Error(
        `Fleet "${name}" uses zone ${fleet.zone} in the database but FLEETCERT_FLEET_ZONE is ${zone}; ` +
          'set FLEETCERT_FLEET_NAME to a new fleet name to use another zone.',
      );
    }
    this.fleet = fleet;
  }

  /**
   * The fleet as loaded at boot: use it for what never changes (id, name, zone). Its
   * policy settings can change at run time; read those from the database.
   */
  get(): Fleet {
    if (!this.fleet) throw new Error('fleet not loaded yet');
    return this.fleet;
  }
}
