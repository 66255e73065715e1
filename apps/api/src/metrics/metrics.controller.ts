import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Metrics } from '@fleetcert/observability';
import { CLUSTER_PEER } from '../cluster/cluster.module';
import type { ClusterPeer } from '../cluster/cluster-peer';

/** Prometheus scrape endpoint: with several API processes, any of them answers for all. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(CLUSTER_PEER) private readonly cluster: ClusterPeer | null,
  ) {
    cluster?.shareMetrics(metrics.registry);
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.cluster ? this.cluster.clusterMetrics() : this.metrics.registry.metrics();
  }
}
