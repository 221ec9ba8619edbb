// Spectral function: every security requirement (of an operation or the
// document) that names an OAuth 2.0 scheme lists at least one scope.
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

module.exports = (spec) => {
  const schemes = (spec.components && spec.components.securitySchemes) || {};
  const oauth = new Set(Object.keys(schemes).filter((name) => schemes[name].type === "oauth2"));
  const places = [[["security"], spec.security]];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      if (item && item[method]) places.push([["paths", path, method, "security"], item[method].security]);
    }
  }
  const results = [];
  for (const [at, requirements] of places) {
    (requirements || []).forEach((requirement, i) => {
      for (const [scheme, scopes] of Object.entries(requirement || {})) {
        if (oauth.has(scheme) && !(Array.isArray(scopes) && scopes.length > 0)) {
          results.push({
            message: `the ${scheme} requirement lists no scope`,
            path: [...at, i, scheme],
          });
        }
      }
    });
  }
  return results;
};
