/**
 * How the scenario rig lays out flash and wires a device manager: every managed cell gets a
 * data partition (erased by a remote wipe), and every FOTA service cell gets a standby
 * instance, A/B image slots, a boot record, the signals of the update protocol, and a factory
 * image signed by the default backend key.
 *
 * Layout (128 KiB erase blocks): FOTA target k uses slots at blocks 16 + 8k and 17 + 8k and
 * its boot record at blocks 20 + 8k and 21 + 8k; data partition i uses blocks 128 + 2i and
 * 129 + 2i.
 *
 * @module
 */

import type { FlashController } from "../hw/devices/flash_controller.ts";
import {
  buildImage,
  defaultBackendKeys,
  encodeBootRecord,
  signImage,
} from "../guests/fota_image.ts";
import type { FlashPartition, FotaTargetOptions, ManagerControl } from "../guests/manager.ts";
import type { Microvisor } from "../kernel/microvisor.ts";
import type { Cell } from "../kernel/objects/cell.ts";
import type { Channel } from "../kernel/objects/channel.ts";

/** The flash erase block the layout is aligned to. */
export const FLASH_BLOCK_BYTES = 131_072;

/** Rights a manager holds over the cells it manages. */
export const MANAGER_RIGHTS: readonly string[] = Object.freeze([
  "start",
  "stop",
  "restart",
  "zeroize",
  "destroy",
  "suspend",
  "resume",
  "switch",
]);

/**
 * The FOTA slots and boot record of target number `index`.
 *
 * @param index The target's number among FOTA services, from 0.
 * @param standby The standby cell's name.
 * @returns The manager's options for the target.
 *
 * @example Usage
 * ```ts
 * import { fotaLayout, FLASH_BLOCK_BYTES } from "./fota_provisioning.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fotaLayout(0, "svc.b").slotOffsets[0], 16 * FLASH_BLOCK_BYTES);
 * ```
 */
export function fotaLayout(index: number, standby: string): FotaTargetOptions {
  const block = FLASH_BLOCK_BYTES;
  return {
    standby,
    slotOffsets: [(16 + 8 * index) * block, (17 + 8 * index) * block],
    slotBytes: block,
    bootRecordOffset: (20 + 8 * index) * block,
    healthTimeoutNs: 50_000_000,
  };
}

/**
 * The data partition of managed cell number `index`.
 *
 * @param index From 0.
 * @returns Offset and size.
 *
 * @example Usage
 * ```ts
 * import { partitionLayout, FLASH_BLOCK_BYTES } from "./fota_provisioning.ts";
 * import assert from "node:assert/strict";
 * assert.equal(partitionLayout(1).offset, 130 * FLASH_BLOCK_BYTES);
 * ```
 */
export function partitionLayout(index: number): FlashPartition {
  return { offset: (128 + 2 * index) * FLASH_BLOCK_BYTES, bytes: 2 * FLASH_BLOCK_BYTES };
}

/**
 * Wires a manager and its FOTA services (before any cell starts).
 *
 * @param kernel The kernel.
 * @param options The manager cell and its control, managed cells, FOTA service cells with
 * their standby instances, the flash controller and the flash region base.
 */
export function provisionManager(
  kernel: Microvisor,
  options: {
    manager: Cell;
    control: ManagerControl;
    managed: readonly Cell[];
    services: readonly {
      cell: Cell;
      standby: Cell;
      irqs?: readonly string[];
      devices?: readonly { readonly name: string; readonly rights?: readonly string[] }[];
    }[];
    flash: FlashController;
    flashBase: number;
  },
): void {
  const { manager, control, flash, flashBase } = options;
  const partitions: Record<string, FlashPartition> = {};
  options.managed.forEach((cell, i) => {
    partitions[cell.name] = partitionLayout(i);
  });
  const fota: Record<string, FotaTargetOptions> = {};
  const keys = defaultBackendKeys();
  options.services.forEach(({ cell, standby, irqs, devices }, i) => {
    const layout = fotaLayout(i, standby.name);
    // The standby holds the service's IRQ capabilities now (acknowledging is refused until the
    // switch routes the lines to it) and maps the same device windows.
    for (const device of irqs ?? []) kernel.grantIrq(standby, device, { standby: true });
    for (const device of devices ?? []) {
      kernel.grantDevice(standby, device.name, device.rights ?? ["read", "write"]);
    }
    fota[cell.name] = layout;
    kernel.grantCellControl(manager, standby, MANAGER_RIGHTS);
    kernel.grantSignal(manager, cell, "handover");
    kernel.grantSignal(manager, standby, "golive");
    kernel.grantSignal(standby, manager, "health");
    kernel.createChannel({
      name: `${cell.name}->${standby.name}`,
      from: cell,
      to: standby,
      slots: 4,
      maxBytes: 64,
    });
    for (const [, cap] of cell.caps.entries()) {
      if (cap.type !== "channel" || !cap.rights.has("receive")) continue;
      const channel = cap.object as Channel;
      if (channel.name === `${cell.name}->${standby.name}`) continue;
      kernel.grant(standby, "channel", channel, {
        rights: ["receive"],
        name: `receive:${channel.name}`,
      });
    }
    const window = { bytes: layout.slotBytes, rights: ["read", "execute"] };
    kernel.grantMemoryWindow(cell, "image", {
      physical: flashBase + layout.slotOffsets[0],
      ...window,
    });
    kernel.grantMemoryWindow(standby, "image", {
      physical: flashBase + layout.slotOffsets[1],
      ...window,
    });
    const image = signImage(
      buildImage({ name: cell.name, version: cell.image.version, variant: "good" }),
      keys.secretKey,
    );
    flash.provision(layout.slotOffsets[0], image);
    flash.provision(layout.bootRecordOffset, encodeBootRecord(1, 0));
  });
  control.configure({ partitions, fota });
}
