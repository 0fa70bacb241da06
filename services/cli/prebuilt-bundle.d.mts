// Types for prebuilt-bundle.mjs (plain JavaScript: bin.mjs loads it before tsx).
export declare const REPO_ROOT: string;
export declare const CLI_BUNDLE_DIR: string;
export declare const CLI_BUNDLE_NAME: string;
export declare function writeBuildStamp(dir: string, stamp: { builtAtMs: number; inputs: string[] }): void;
export declare function currentBundle(where?: { dir?: string; root?: string }): { url: string } | { reason: string };
