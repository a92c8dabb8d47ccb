// Importing a scenario file registers it as a Deno.test case (its run() does not exit).
import "../../scenarios/demo.ts";
