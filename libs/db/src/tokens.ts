/** Injection token of the process's one PrismaClient. */
export const PRISMA = Symbol('PRISMA');

/** Injection token of the process's one pg `Pool`: Prisma runs on it, and so do prepared statements. */
export const PG_POOL = Symbol('PG_POOL');
