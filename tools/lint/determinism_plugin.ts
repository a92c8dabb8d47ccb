/**
 * A `deno lint` plugin that keeps simulation code deterministic: in `hw/`, `kernel/` and
 * `guests/` it bans the wall clock, real timers and unseeded randomness, and names what to use
 * instead.
 *
 * @module
 */

const SIMULATION_FOLDERS = /^(hw|kernel|guests)[\\/]/;

/** The file's path relative to the working directory (the project root under `deno lint`). */
function projectPath(filename: string): string {
  let root = "";
  try {
    root = Deno.cwd();
  } catch {
    // Without read permission for the cwd, fall back to the path as given.
  }
  const path = root !== "" && filename.startsWith(root) ? filename.slice(root.length) : filename;
  return path.replace(/^[\\/]+/, "");
}

/** Banned `object.property` uses and the hint for each. */
const BANNED_MEMBERS: Record<string, string> = {
  "Math.random": "Math.random is banned in simulation code, use engine.random(name)",
  "Date.now": "Date.now is banned in simulation code, use engine.now (virtual time)",
  "performance.now": "performance.now is banned in simulation code, use engine.now (virtual time)",
  "crypto.getRandomValues":
    "crypto.getRandomValues is banned in simulation code, use engine.random(name)",
  "globalThis.setTimeout": "setTimeout is banned in simulation code, use engine.after(delay, fn)",
  "globalThis.setInterval":
    "setInterval is banned in simulation code, use a self-rescheduling engine.after(delay, fn)",
};

/** Banned bare calls and the hint for each. */
const BANNED_CALLS: Record<string, string> = {
  setTimeout: "setTimeout is banned in simulation code, use engine.after(delay, fn)",
  setInterval:
    "setInterval is banned in simulation code, use a self-rescheduling engine.after(delay, fn)",
};

function memberName(node: Deno.lint.MemberExpression): string | undefined {
  const object = node.object;
  const property = node.property;
  if (property.type !== "Identifier") return undefined;
  if (object.type === "Identifier") return `${object.name}.${property.name}`;
  if (
    object.type === "MemberExpression" && object.property.type === "Identifier" &&
    object.object.type === "Identifier" && object.object.name === "globalThis"
  ) {
    return `${object.property.name}.${property.name}`;
  }
  return undefined;
}

const plugin: Deno.lint.Plugin = {
  name: "determinism",
  rules: {
    "no-wall-clock-or-random": {
      create(context) {
        if (!SIMULATION_FOLDERS.test(projectPath(context.filename))) return {};
        return {
          MemberExpression(node) {
            const name = memberName(node);
            if (name === undefined || !(name in BANNED_MEMBERS)) return;
            context.report({ node, message: `${name} is banned here`, hint: BANNED_MEMBERS[name] });
          },
          CallExpression(node) {
            if (node.callee.type !== "Identifier") return;
            const hint = BANNED_CALLS[node.callee.name];
            if (hint === undefined) return;
            context.report({ node, message: `${node.callee.name} is banned here`, hint });
          },
        };
      },
    },
  },
};

export default plugin;
