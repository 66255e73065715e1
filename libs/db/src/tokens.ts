/** Injection token of the process's one PrismaClient. */
export const PRISMA = Symbol('PRISMA');
