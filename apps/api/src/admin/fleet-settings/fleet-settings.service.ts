import { Injectable } from '@nestjs/common';
import { AuditRepository, Fleet, FleetRepository } from '@fleetcert/db';
import type { OperatorPrincipal } from '../../auth/principal';
import { CurrentFleetService } from '../../fleet/current-fleet.service';
import type { FleetSettingsView, UpdateFleetSettingsDto } from './fleet-settings.dto';

/** The fleet's certificate policy: default ACME profile and Certificate Transparency privacy. */
@Injectable()
export class FleetSettingsService {
  constructor(
    private readonly fleet: CurrentFleetService,
    private readonly fleets: FleetRepository,
    private readonly audit: AuditRepository,
  ) {}

  async get(): Promise<FleetSettingsView> {
    return toView((await this.fleets.getById(this.fleet.get().id))!);
  }

  async update(auth: OperatorPrincipal, dto: UpdateFleetSettingsDto): Promise<FleetSettingsView> {
    const current = this.fleet.get();
    const updated = await this.fleets.db.$transaction(async (tx) => {
      const fleet = await this.fleets.update(current.id, dto, tx);
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: auth.operator.id,
          action: 'fleet.update',
          targetType: 'fleet',
          targetId: fleet.id,
          details: { ...dto },
        },
        tx,
      );
      return fleet;
    });
    return toView(updated);
  }
}

function toView(f: Fleet): FleetSettingsView {
  return {
    name: f.name,
    zone: f.zone,
    privacy: f.privacy,
    allowMixedIdentifiers: f.allowMixedIdentifiers,
    defaultProfile: f.defaultProfile,
  };
}
