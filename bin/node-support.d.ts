// Types of node-support.js (plain JavaScript, so that any Node can run the bin shim).
export declare const SUPPORTED_NODE: string;
export declare function satisfies(version: string, range: string): boolean;
export declare function runsInProcess(version: string): boolean;
