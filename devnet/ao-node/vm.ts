import { readFileSync } from 'node:fs';
import { LuaFactory } from 'wasmoon';
import type { LuaEngine } from 'wasmoon';

/** A tag as ANS-104 and aoconnect carry it. */
export interface AoTag {
  readonly name: string;
  readonly value: string;
}

/** One message a process sends (an entry of a result's Messages). */
export interface AoOutMessage {
  readonly Target: string;
  readonly Anchor: string;
  readonly Tags: readonly AoTag[];
  readonly Data: string;
}

/** What the CU answers for a message or a dry-run (aoconnect's `result` / `dryrun` shape). */
export interface AoResult {
  readonly Messages: readonly AoOutMessage[];
  readonly Spawns: readonly unknown[];
  readonly Output: string;
  readonly Error?: string;
}

/** A message as the process sees it, without its Data (passed separately: it can be large). */
export interface AoEnvelope {
  readonly Id: string;
  readonly From: string;
  readonly Owner: string;
  readonly Target: string;
  readonly Timestamp: number;
  readonly 'Block-Height': number;
  readonly Tags: readonly AoTag[];
}

export interface ProcessEnv {
  readonly Process: { readonly Id: string; readonly Owner: string; readonly Tags: Readonly<Record<string, string>> };
}

/** The aos slice's source (devnet/ao-node/aos.lua): the Lua 5.3 conformance run loads the same file. */
export const AOS_RUNTIME_PATH = new URL('./aos.lua', import.meta.url);
const RUNTIME_LUA = readFileSync(AOS_RUNTIME_PATH, 'utf8');

/**
 * One process's Lua VM (wasmoon, Lua 5.4): the aos runtime slice (aos.lua) plus the process's
 * module source. Evaluation is synchronous and deterministic, so replaying the same messages in
 * the same order rebuilds the same state.
 */
export class ProcessVm {
  readonly #engine: LuaEngine;
  readonly #handle: (envelope: string, data: string) => string;
  readonly #dryrun: (envelope: string, data: string) => string;
  /** What loading the module sent (token.lua's initial patch@1.0 message). */
  readonly loaded: AoResult;

  private constructor(engine: LuaEngine, loaded: AoResult) {
    this.#engine = engine;
    this.loaded = loaded;
    this.#handle = engine.global.get('__handle') as (envelope: string, data: string) => string;
    this.#dryrun = engine.global.get('__dryrun') as (envelope: string, data: string) => string;
  }

  static async create(env: ProcessEnv, moduleSource: string): Promise<ProcessVm> {
    const engine = await new LuaFactory().createEngine({ injectObjects: false, enableProxy: false });
    engine.doStringSync(RUNTIME_LUA);
    const init = engine.global.get('__init') as (envJson: string) => void;
    init(JSON.stringify(env));
    const load = engine.global.get('__load') as (source: string) => string;
    const loaded = JSON.parse(load(moduleSource)) as AoResult;
    if (loaded.Error !== undefined) {
      engine.global.close();
      throw new Error(`the process module does not load: ${loaded.Error}`);
    }
    return new ProcessVm(engine, loaded);
  }

  /** Evaluates a scheduled message; its effects persist. */
  apply(envelope: AoEnvelope, data: string): AoResult {
    return JSON.parse(this.#handle(JSON.stringify(envelope), data)) as AoResult;
  }

  /** Evaluates a message against the current state and discards every change it made. */
  dryRun(envelope: AoEnvelope, data: string): AoResult {
    return JSON.parse(this.#dryrun(JSON.stringify(envelope), data)) as AoResult;
  }

  close(): void {
    this.#engine.global.close();
  }
}
