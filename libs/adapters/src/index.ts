// Nest modules that adapt the framework-free libraries (dns, acme, crypto) for both apps.
export * from './dns/dns.module';
export * from './dns/dns.tokens';
export * from './acme/acme.module';
export * from './acme/postgres-account-store';
export * from './crypto/secret-box.module';
export * from './shutdown/shutdown-grace';
