export const LAUNCH_ENV: { GLIBC_TUNABLES: string };
