export const SOURCE_DIRS: string[];
export const STAMP_FILE: string;
export function sourceFiles(root: string): string[];
export function sourceStamp(root: string, files?: string[]): string;
export function freshBuild(root: string): string | undefined;
