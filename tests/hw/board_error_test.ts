import assert from "node:assert/strict";
import { BoardError } from "../../hw/board_error.ts";

Deno.test("BoardError is a named Error carrying the field", () => {
  const error = new BoardError('Invalid board "x": cores is empty', "cores");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "BoardError");
  assert.equal(error.field, "cores");
  assert.equal(error.message, 'Invalid board "x": cores is empty');
});
