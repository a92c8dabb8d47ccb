/**
 * Entry point of the `rig` command: `deno task rig COMMAND …` (see `deno task rig --help`).
 *
 * @module
 */

import { rig } from "./rig_program.ts";

if (import.meta.main) Deno.exit(await rig(Deno.args));
