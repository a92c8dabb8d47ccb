/**
 * The catalogue of board device kinds: the options each accepts, its smallest window, and how
 * to build it. Shared by board validation and board construction.
 */

import type { Engine } from "./engine.ts";
import type { InterruptController } from "./interrupt_controller.ts";
import type { MmioDevice } from "./physical_memory.ts";
import { CanController } from "./devices/can_controller.ts";
import { Display } from "./devices/display.ts";
import { FlashController } from "./devices/flash_controller.ts";
import { Keypad } from "./devices/keypad.ts";
import { NetPort } from "./devices/net_port.ts";
import { Radio } from "./devices/radio.ts";
import { SystemTimer } from "./devices/system_timer.ts";
import { Uart } from "./devices/uart.ts";
import { Watchdog } from "./devices/watchdog.ts";

/** What a device constructor receives besides its options. */
export interface DeviceContext {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly irq: number;
  readonly interrupts: InterruptController;
  /** For a flash controller: the size of its flash region. */
  readonly flashBytes: number;
}

/** One device kind. */
export interface DeviceKindInfo {
  /** The option names it accepts. */
  readonly options: readonly string[];
  /** Its smallest window for some options. */
  minimumSize(options: Record<string, unknown>): number;
  /** Builds it. */
  create(engine: Engine, context: DeviceContext, options: Record<string, unknown>): MmioDevice;
}

// The options are checked by name in validateBoard and by value in each constructor.
// deno-lint-ignore no-explicit-any
type Loose = any;

/** The device kinds, by `DeviceSpec.kind`. */
export const DEVICE_KINDS: Readonly<Record<string, DeviceKindInfo>> = Object.freeze(
  {
    keypad: {
      options: ["scanDelayNs", "fifoDepth"],
      minimumSize: () => Keypad.minimumSize,
      create: (engine, context, options) => new Keypad(engine, { ...context, ...options as Loose }),
    },
    display: {
      options: ["width", "height", "refreshHz"],
      minimumSize: (options) =>
        0x1000 + (Number(options.width ?? 320) * Number(options.height ?? 240)),
      create: (engine, context, options) =>
        new Display(engine, { ...context, ...options as Loose }),
    },
    radio: {
      options: ["start", "framePeriodNs", "jitterNs", "autoStart"],
      minimumSize: () => Radio.minimumSize,
      create: (engine, context, options) => new Radio(engine, { ...context, ...options as Loose }),
    },
    uart: {
      options: ["baud", "txFifoBytes", "rxFifoBytes"],
      minimumSize: () => Uart.minimumSize,
      create: (engine, context, options) => new Uart(engine, { ...context, ...options as Loose }),
    },
    net: {
      options: ["latencyNs", "bandwidthBitsPerSecond", "rxQueueMax", "onSend"],
      minimumSize: () => NetPort.minimumSize,
      create: (engine, context, options) =>
        new NetPort(engine, { ...context, ...options as Loose }),
    },
    flash: {
      options: ["region", "pageBytes", "blockBytes", "programNs", "eraseNs", "readNs"],
      minimumSize: (options) => 0x1000 + Number(options.pageBytes ?? 2048),
      create: (engine, context, options) => {
        const { region: _region, ...rest } = options;
        return new FlashController(engine, { ...context, ...rest as Loose });
      },
    },
    watchdog: {
      options: ["timeoutUs", "onBite"],
      minimumSize: () => Watchdog.minimumSize,
      create: (engine, context, options) =>
        new Watchdog(engine, { ...context, ...options as Loose }),
    },
    can: {
      options: ["bitrate", "txQueueMax", "rxQueueMax", "onSend"],
      minimumSize: () => CanController.minimumSize,
      create: (engine, context, options) =>
        new CanController(engine, { ...context, ...options as Loose }),
    },
    timer: {
      options: [],
      minimumSize: () => SystemTimer.minimumSize,
      create: (engine, context) => new SystemTimer(engine, context),
    },
  } satisfies Record<string, DeviceKindInfo>,
);
