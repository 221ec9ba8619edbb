// Spectral function: every operation whose tags include one marked
// `x-chekt-inferred: true` must carry `x-chekt-inferred: true` itself.
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

module.exports = (spec) => {
  const inferredTags = new Set(
    (spec.tags || []).filter((t) => t["x-chekt-inferred"] === true).map((t) => t.name),
  );
  const results = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = item && item[method];
      if (!op || op["x-chekt-inferred"] === true) continue;
      const tag = (op.tags || []).find((t) => inferredTags.has(t));
      if (tag !== undefined) {
        results.push({
          message: `${op.operationId || method} is in inferred tag \`${tag}\` but is not marked x-chekt-inferred`,
          path: ["paths", path, method],
        });
      }
    }
  }
  return results;
};
