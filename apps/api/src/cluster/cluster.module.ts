import { Global, Module } from '@nestjs/common';
import { ClusterPeer } from './cluster-peer';

/** This process's {@link ClusterPeer} when it is a worker of a clustered API, else `null`. */
export const CLUSTER_PEER = Symbol('CLUSTER_PEER');

@Global()
@Module({
  providers: [{ provide: CLUSTER_PEER, useFactory: () => ClusterPeer.ofThisProcess() ?? null }],
  exports: [CLUSTER_PEER],
})
export class ClusterModule {}
