// `node --import ./scripts/runtime/register.ts <entry>`: see app-resolve-hooks.ts.
import { register } from "node:module";

register("./app-resolve-hooks.ts", import.meta.url);
