export declare const BUILD_INPUTS: { dirs: string[]; files: string[] };
export declare function staleReason(root: string, entry: string, inputs?: typeof BUILD_INPUTS): 'missing' | `changed: ${string}` | null;
export declare function withBuildLock<T>(lockDir: string, fn: () => T | Promise<T>, options?: { staleMs?: number; pollMs?: number }): Promise<T>;
