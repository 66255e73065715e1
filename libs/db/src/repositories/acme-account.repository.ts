import { Inject, Injectable } from '@nestjs/common';
import type { AcmeAccount, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

@Injectable()
export class AcmeAccountRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  getByDirectory(directoryUrl: string): Promise<AcmeAccount | null> {
    return this.prisma.acmeAccount.findUnique({ where: { directoryUrl } });
  }

  /** First writer wins: two workers creating the account at once end with the same key. */
  async createIfAbsent(data: {
    directoryUrl: string;
    keyCiphertext: Buffer;
    keyId: string;
    contact: string[];
  }): Promise<AcmeAccount> {
    await this.prisma.acmeAccount.createMany({
      data: [{ ...data, keyCiphertext: new Uint8Array(data.keyCiphertext) }],
      skipDuplicates: true,
    });
    return this.prisma.acmeAccount.findUniqueOrThrow({ where: { directoryUrl: data.directoryUrl } });
  }

  update(
    id: string,
    data: { accountUrl?: string; keyCiphertext?: Buffer; keyId?: string },
  ): Promise<AcmeAccount> {
    return this.prisma.acmeAccount.update({
      where: { id },
      data: { ...data, keyCiphertext: data.keyCiphertext ? new Uint8Array(data.keyCiphertext) : undefined },
    });
  }
}
