import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AOS_RUNTIME_PATH } from '../../devnet/ao-node/vm.ts';
import type { AoEnvelope, AoResult, ProcessEnv } from '../../devnet/ao-node/vm.ts';

/**
 * The same aos slice and module in Debian's native Lua 5.3 interpreter (real aos runs 5.3;
 * wasmoon is 5.4). Not installed by `npm install`: `apt-get install lua5.3`. Without it the
 * Lua 5.3 half of the token tests is skipped with one line naming the package (lua53Missing).
 */
export const LUA53 = process.env['LUA53'] ?? 'lua5.3';

/** Why the Lua 5.3 runs cannot happen here, or null when they can. */
export function lua53Missing(): string | null {
  const probe = spawnSync(LUA53, ['-v'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return null;
  return `${LUA53} not found: the Lua 5.3 token tests are SKIPPED; install Debian's package lua5.3 (apt-get install lua5.3) to run them`;
}

const DRIVER = fileURLToPath(new URL('./lua53-driver.lua', import.meta.url));

/** One process in a lua5.3 child: requests answered in order, one line each. */
export class Lua53Vm {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  #stderr = '';
  loaded!: AoResult;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => this.#waiting.shift()?.resolve(line));
    child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('utf8')));
    child.on('exit', (code) => {
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`lua5.3 exited (${code}): ${this.#stderr.trim()}`));
    });
  }

  static async create(env: ProcessEnv, moduleSource: string): Promise<Lua53Vm> {
    // One file per distinct source (named by its hash), shared by every VM of that module.
    const modulePath = join(tmpdir(), `ao-module-${createHash('sha256').update(moduleSource).digest('hex').slice(0, 16)}.lua`);
    if (!existsSync(modulePath)) writeFileSync(modulePath, moduleSource);
    const vm = new Lua53Vm(spawn(LUA53, [DRIVER, fileURLToPath(AOS_RUNTIME_PATH), modulePath]));
    vm.loaded = JSON.parse(await vm.#request(JSON.stringify(env))) as AoResult;
    if (vm.loaded.Error !== undefined) {
      vm.close();
      throw new Error(`the process module does not load: ${vm.loaded.Error}`);
    }
    return vm;
  }

  #request(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(`${line}\n`);
    });
  }

  async apply(envelope: AoEnvelope, data: string): Promise<AoResult> {
    return JSON.parse(await this.#request(JSON.stringify({ op: 'handle', envelope: JSON.stringify(envelope), data }))) as AoResult;
  }

  async dryRun(envelope: AoEnvelope, data: string): Promise<AoResult> {
    return JSON.parse(await this.#request(JSON.stringify({ op: 'dryrun', envelope: JSON.stringify(envelope), data }))) as AoResult;
  }

  close(): void {
    this.#child.stdin.end();
  }
}
