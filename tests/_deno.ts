/**
 * Runs the Deno that runs the tests as a child process, the way a user runs the project: from
 * the repository root, without colour, output captured as text.
 *
 * @module
 */

/** What a child `deno` printed and how it exited. */
export interface DenoOutput {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** The repository root. */
export const root: string = new URL("../", import.meta.url).pathname;

/**
 * Runs `deno ARGS` from the repository root with `NO_COLOR=1`.
 *
 * @param args The arguments, e.g. `["run", "scenarios/demo.ts", "--seed", "2"]`.
 * @returns The exit code and the captured output.
 */
export async function deno(args: readonly string[]): Promise<DenoOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
