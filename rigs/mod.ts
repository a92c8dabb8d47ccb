/**
 * The framework: the scenario builder, event script, probes, metrics and verdicts, and the
 * runner behind `deno run scenario.ts`.
 *
 * @module
 */

export * from "./scenario.ts";
export * from "./scenario_error.ts";
export * from "./scenario_result.ts";
export * from "./scenario_cli.ts";
export * from "./event_script.ts";
export * from "./script_verbs.ts";
export * from "./expectations.ts";
export * from "./metric.ts";
export * from "./histogram.ts";
export * from "./probe_set.ts";
export * from "./plan.ts";
export * from "./world.ts";
