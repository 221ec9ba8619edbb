// Spectral function: every scope a security scheme lists in
// `x-chekt-inferred-scopes` is declared in one of its OAuth flows.
module.exports = (scheme, _options, context) => {
  const inferred = scheme["x-chekt-inferred-scopes"];
  if (!Array.isArray(inferred)) return [];
  const declared = new Set(
    Object.values(scheme.flows || {}).flatMap((flow) => Object.keys((flow && flow.scopes) || {})),
  );
  return inferred
    .map((scope, i) => ({ scope, i }))
    .filter(({ scope }) => !declared.has(scope))
    .map(({ scope, i }) => ({
      message: `inferred scope \`${scope}\` is not declared in any flow`,
      path: [...context.path, "x-chekt-inferred-scopes", i],
    }));
};
