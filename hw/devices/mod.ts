/**
 * The simulated devices: each is memory-mapped (implements `MmioDevice`), raises an interrupt
 * line, and documents its registers, timing and behaviour on its class.
 *
 * @module
 */

export * from "./irq_device.ts";
export * from "./keypad.ts";
export * from "./display.ts";
export * from "./radio.ts";
export * from "./uart.ts";
export * from "./net_port.ts";
export * from "./flash_controller.ts";
export * from "./watchdog.ts";
export * from "./can_controller.ts";
export * from "./system_timer.ts";
