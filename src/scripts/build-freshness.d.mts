export declare const BUILD_INPUTS: { dirs: string[]; files: string[] };
export declare function staleReason(root: string, entry: string, inputs?: typeof BUILD_INPUTS): 'missing' | `changed: ${string}` | null;
