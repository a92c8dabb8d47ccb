// A guest program written as a state machine rather than a generator (internal to guests/):
// the kernel drives it exactly as it drives a generator, but resuming it costs a method call
// and a switch instead of a generator's saved frame, and it yields without allocating. The
// RTOS and the rich OS, the platform's busiest guests, are written this way.

import type { Operation, OperationResult } from "../kernel/abi.ts";
import type { Guest } from "./program.ts";
import { CLOCK } from "./_operations.ts";

/** The state a program starts in: nothing yielded yet. */
export const STATE_START = 0;
/** The state of a program that returned or threw: it is over. */
export const STATE_DONE = -1;

const OVER: IteratorResult<Operation, void> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator protocol of a generator over a subclass's `advance(at, result)`: `next(result)`
 * resumes the program in state `at` (its own small integer, named after the `yield` it stopped
 * at) with the result of the operation it yielded there, and `advance` returns the next
 * operation after setting `resumeAt` to where it will resume, or `undefined` when the program
 * ends. Whatever `advance` throws ends the program, as a throw ends a generator.
 */
export abstract class GuestStateMachine extends Iterator<Operation, void, OperationResult>
  implements Guest<void> {
  /** Where the program resumes: a subclass's state, {@linkcode STATE_DONE} once it is over. */
  protected resumeAt: number = STATE_START;
  /**
   * What `next()` returns for a yielded operation: one object, rewritten at every call. Its
   * reader, the kernel's step, takes the operation out before it calls `next()` again.
   */
  readonly #yielded: { done: false; value: Operation } = { done: false, value: CLOCK };

  /**
   * Runs the program from state `at` up to its next operation.
   *
   * @param at The state it stopped in.
   * @param result The result of the operation it yielded there (undefined at the start).
   * @returns The next operation, or `undefined` when the program ends.
   */
  protected abstract advance(at: number, result: OperationResult): Operation | undefined;

  /**
   * Runs the program up to its next operation.
   *
   * @param result The result of the operation it yielded last (ignored on the first call).
   * @returns The next operation, in an object the next call reuses; done when it ended.
   */
  override next(result?: OperationResult): IteratorResult<Operation, void> {
    const at = this.resumeAt;
    this.resumeAt = STATE_DONE;
    if (at === STATE_DONE) return OVER;
    const op = this.advance(at, result as OperationResult);
    if (op === undefined) return OVER;
    const yielded = this.#yielded;
    yielded.value = op;
    return yielded;
  }

  /**
   * Ends the program.
   *
   * @returns Done.
   */
  override return(): IteratorResult<Operation, void> {
    this.resumeAt = STATE_DONE;
    return OVER;
  }

  /**
   * Ends the program by throwing `error` (the program catches nothing).
   *
   * @param error What to throw.
   * @returns Never.
   */
  override throw(error: unknown): IteratorResult<Operation, void> {
    this.resumeAt = STATE_DONE;
    throw error;
  }

  /**
   * The program itself, as for a generator.
   *
   * @returns This program.
   */
  override [Symbol.iterator](): this {
    return this;
  }
}
