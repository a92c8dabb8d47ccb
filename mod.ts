/**
 * microvisor-rig: a deterministic, scriptable virtual platform for embedded virtualization.
 * Everything a scenario needs comes from this module: boards, time units, guest factories,
 * the scenario builder and its verbs and matchers.
 *
 * @example Usage
 * ```ts
 * import { boards, compute, native, scenario, ms } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const result = scenario("a busy cell owns the core")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }))
 *   .expect((r) => r.cpuShare("app").toBeAbove(0.99))
 *   .execute({ for: ms(20) });
 * assert.equal(result.passed, true);
 * ```
 *
 * @module
 */

export { boards } from "./hw/boards.ts";
export type { BoardOverrides } from "./hw/boards.ts";
export type { BoardSpec, DeviceSpec } from "./hw/board_spec.ts";
export { formatDuration, h, min, ms, ns, parseDuration, s, us } from "./hw/time.ts";
export type { Duration, Instant } from "./hw/time.ts";
// Hardware model types reachable from the public API (World.engine, World.board, BoardSpec).
export type { Board } from "./hw/board.ts";
export type { DeviceKind } from "./hw/board_spec.ts";
export type { DeviceOverride } from "./hw/boards.ts";
export type { Core } from "./hw/core.ts";
export type { CoreTimer } from "./hw/core_timer.ts";
export type { Engine, RunOptions as EngineRunOptions, ScheduleOptions } from "./hw/engine.ts";
export type { EventCallback, EventHandle } from "./hw/event_queue.ts";
export type { Fingerprint, RecordLayout } from "./hw/fingerprint.ts";
export type { InterruptController, LineConfig, TriggerMode } from "./hw/interrupt_controller.ts";
export type {
  FlashBacking,
  MmioDevice,
  PhysicalMemory,
  RegionKind,
  RegionSpec,
} from "./hw/physical_memory.ts";
export type { RandomStream } from "./hw/random_stream.ts";
export type {
  TraceBus,
  TraceRecord,
  TraceSink,
  TraceSubscriber,
  TraceValue,
} from "./hw/trace_bus.ts";
export { costTables } from "./kernel/cost_model.ts";
/** Kernel profiles for `.kernel(profiles.pikeos({ frame }))`: okl4, sel4Mcs, pikeos, nova, xen, kvm. */
export * as profiles from "./kernel/profiles/mod.ts";
export type { CostTable } from "./kernel/cost_model.ts";
// Kernel types reachable from the public API (World.kernel, World.cell(), the guest ABI, profiles).
export type {
  CellAction,
  ComputeOutcome,
  DeliveredVirq,
  GuestError,
  GuestErrorKind,
  GuestProgram,
  Operation,
  OperationResult,
  ReceivedMessage,
} from "./kernel/abi.ts";
export type { CostModel, CostRow, CostRowName } from "./kernel/cost_model.ts";
export type { FootprintItem, FootprintReport } from "./kernel/footprint.ts";
export type { FrameAllocator } from "./kernel/frame_allocator.ts";
export type { CellOptions, Microvisor, VcpuOptions } from "./kernel/microvisor.ts";
export type {
  Access,
  AddressSpace,
  PageMapping,
  Translation,
  TranslationFault,
} from "./kernel/objects/address_space.ts";
export type { CapTable } from "./kernel/objects/cap_table.ts";
export type { Capability, CapabilityType } from "./kernel/objects/capability.ts";
export type {
  Cell,
  CellImage,
  CellState,
  FaultPolicy,
  GuestContext,
  ProgramFactory,
} from "./kernel/objects/cell.ts";
export type { Channel } from "./kernel/objects/channel.ts";
export type { Endpoint, PendingCall } from "./kernel/objects/endpoint.ts";
export type { Refill, SchedulingContext } from "./kernel/objects/scheduling_context.ts";
export type { Section } from "./kernel/objects/section.ts";
export type { BlockReason, Vcpu, VcpuState, VirqState } from "./kernel/objects/vcpu.ts";
export type { PendingVirqs } from "./kernel/objects/pending_virqs.ts";
export type {
  IrqPath,
  KernelProfile,
  ProfileContext,
  TrustedPart,
} from "./kernel/profiles/profile.ts";
export type { PolicyHost, SchedulingPolicy } from "./kernel/scheduler.ts";
export * from "./guests/program.ts";
export { native } from "./guests/recipe.ts";
export type { GuestRecipe } from "./guests/recipe.ts";
export { irqServer } from "./guests/irq_server.ts";
export { rtos, rtosObservation, task } from "./guests/rtos.ts";
export type { RtosOptions, TaskSpec } from "./guests/rtos.ts";
export { richOs, richOsControl, richOsObservation } from "./guests/rich_os.ts";
export type { RichOsOptions } from "./guests/rich_os.ts";
export { PIN_FAIL, PIN_LOCKED, PIN_OK, pinEntry } from "./guests/pin_entry.ts";
export type { PinEntryOptions } from "./guests/pin_entry.ts";
export { fotaService, manager, updatable } from "./guests/manager.ts";
export type { ManagerOptions } from "./guests/manager.ts";
export { attackNames } from "./guests/attacks.ts";
export type { AttackName } from "./guests/attacks.ts";
// Guest option and observation types reachable from the guest factories' signatures.
export type { RecipeVcpu } from "./guests/recipe.ts";
export type {
  CriticalSection,
  RtosCosts,
  RtosObservation,
  RtosTaskStats,
  TaskExecution,
} from "./guests/rtos.ts";
export type { CompromiseRunner, RichOsControl, RichOsObservation } from "./guests/rich_os.ts";
export type {
  BootedImage,
  FlashPartition,
  FotaTargetOptions,
  ServiceOptions,
  ServiceVariant,
} from "./guests/manager.ts";
export * from "./rigs/mod.ts";
// Framework types reachable from the public API (CliFlags.traceWindow).
export type { TimeWindow } from "./rigs/exporters/trace_window.ts";
