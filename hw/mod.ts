/**
 * The board layer: the simulation engine (virtual time, event queue, random streams, trace
 * bus) and the simulated hardware. It knows nothing of kernels.
 *
 * @module
 */

export * from "./time.ts";
export * from "./event_queue.ts";
export * from "./random_stream.ts";
export * from "./trace_bus.ts";
export * from "./fingerprint.ts";
export * from "./engine.ts";
export * from "./board_error.ts";
export * from "./physical_memory.ts";
export * from "./interrupt_controller.ts";
export * from "./core.ts";
export * from "./core_timer.ts";
export * from "./board_spec.ts";
export * from "./board.ts";
export * from "./boards.ts";
export * from "./devices/mod.ts";
