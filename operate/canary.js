#!/usr/bin/env node
// The `canary` bin: the operator tool's TypeScript, run through tsx as the project's other commands are.
require('tsx/cjs');
require('./cli.ts');
