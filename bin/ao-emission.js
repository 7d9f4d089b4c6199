#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so the CLI works right after `npm install`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/service/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
