#!/usr/bin/env node
// Entry point of the `photo-studio` command. Node 22 runs the TypeScript CLI as is (type
// stripping), so there is no build step; see app/images/README.md.
import { main } from "../app/images/cli.ts";

process.exitCode = await main(process.argv.slice(2));
