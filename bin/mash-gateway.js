#!/usr/bin/env node
// The `mash-gateway` command: runs the TypeScript CLI through tsx's loader, so the
// installed package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../gateway/cli.ts');
