// Types for prebuilt-bundle.mjs (plain JavaScript: the CLI's bin.mjs loads it before tsx).
export declare const REPO_ROOT: string;
export declare const CLI_BUNDLE_DIR: string;
export declare const LOCAL_WORKER_BUNDLE_DIR: string;
export declare function publishBuild(dir: string, stamp: { builtAtMs: number; entry: string; inputs: string[] }): void;
export declare function currentBundle(where?: { dir?: string; root?: string }): { url: string } | { reason: string };
export declare function buildFolderName(builtAtMs: number): string;
