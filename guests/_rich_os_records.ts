// The rich OS's most frequent trace record, "ui.frame" (60 per simulated second at 60 Hz), and
// its layout (see RecordLayout in hw/fingerprint.ts): the guest hashes its fields where it
// emits it, the kernel completes the hash, and while only sinks and fingerprints listen the
// record is only counted (COUNTED_KINDS in hw/trace_bus.ts) and never built.
// tests/kernel/kernel_records_test.ts holds the layout and the hash to the enumerated record.

import {
  mixBoolean,
  mixDigest,
  mixNumber,
  mixString,
  RECORD_SEED,
  recordLayout,
  stringDigest,
} from "../hw/fingerprint.ts";

/** A UI frame rendered: "ui.frame". */
export type FrameFields = { frame: number; late: boolean; renderNs: number };

const UI_FRAME = stringDigest("ui.frame");

/** Mixes a frame's fields, in record order. */
function mixFrame(seed: number, frame: number, late: boolean, renderNs: number): number {
  return mixNumber(mixBoolean(mixNumber(seed, frame), late), renderNs);
}

/** Layout of "ui.frame". */
export const FRAME = recordLayout<FrameFields & { time: number; kind: string; source: string }>(
  "ui.frame",
  (r, seed) =>
    mixString(
      mixDigest(mixNumber(mixFrame(seed, r.frame, r.late, r.renderNs), r.time), UI_FRAME),
      r.source,
    ),
);

/** The fields' hash of a "ui.frame". */
export function hashFrame(frame: number, late: boolean, renderNs: number): number {
  return mixFrame(RECORD_SEED, frame, late, renderNs);
}
