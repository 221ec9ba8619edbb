// Spectral function: every operation (paths and x-webhooks), path-level
// parameter, component schema, component parameter, component header and
// property (also in inline schemas of component responses, request bodies
// and headers) names its source
// (`x-chekt-source: <seed file name> § <section>` or `RFC <n> § <section>`,
// a string or a list) or is `x-chekt-inferred: true`. A property inherits its
// schema's (or, inline, its operation's) mark; a `$ref` is traced by its
// target. A spec that names no source anywhere is not checked. The same
// rule as chekt-gen's `statement-untraced`.
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];
const SOURCE = /^(\d+_[0-9a-fA-F]+\.txt|RFC \d+) § \S.*$/;

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const marked = (v) => isObject(v) && (v["x-chekt-inferred"] === true || v["x-chekt-source"] !== undefined);

module.exports = (spec) => {
  const results = [];
  const report = (path, message) => results.push({ message, path });

  const malformed = (value, path) => {
    if (Array.isArray(value)) return value.forEach((v, i) => malformed(v, [...path, i]));
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === "x-chekt-source") {
        const items = typeof child === "string" ? [child] : Array.isArray(child) && child.length ? child : [null];
        if (!items.every((s) => typeof s === "string" && SOURCE.test(s))) {
          report([...path, key], "x-chekt-source must be `<seed file name> § <section>` or `RFC <n> § <section>`, or a list of them");
        }
      } else {
        malformed(child, [...path, key]);
      }
    }
  };

  const walkSchema = (schema, path, covered) => {
    if (!isObject(schema) || schema.$ref !== undefined) return;
    const here = covered || marked(schema);
    for (const [name, prop] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
      const at = [...path, "properties", name];
      if (!here && isObject(prop) && prop.$ref === undefined && !marked(prop)) {
        report(at, `property \`${name}\` names no x-chekt-source and is not x-chekt-inferred, and neither is its schema`);
      }
      walkSchema(prop, at, here);
    }
    for (const key of ["items", "additionalProperties", "not"]) walkSchema(schema[key], [...path, key], here);
    for (const key of ["allOf", "oneOf", "anyOf"]) {
      (Array.isArray(schema[key]) ? schema[key] : []).forEach((s, i) => walkSchema(s, [...path, key, i], here));
    }
  };

  const schemasIn = (value, path, covered) => {
    if (Array.isArray(value)) return value.forEach((v, i) => schemasIn(v, [...path, i], covered));
    if (!isObject(value)) return;
    const here = covered || marked(value);
    for (const [key, child] of Object.entries(value)) {
      if (key === "schema") walkSchema(child, [...path, key], here);
      else schemasIn(child, [...path, key], here);
    }
  };

  // A spec opts in by naming a source anywhere.
  const namesASource = (value) =>
    Array.isArray(value)
      ? value.some(namesASource)
      : isObject(value) && ("x-chekt-source" in value || Object.values(value).some(namesASource));
  if (!namesASource(spec)) return results;

  malformed(spec, []);
  for (const [root, items] of [["paths", spec.paths], ["x-webhooks", spec["x-webhooks"]]]) {
    for (const [key, item] of Object.entries(isObject(items) ? items : {})) {
      for (const method of METHODS) {
        const op = isObject(item) ? item[method] : undefined;
        if (!isObject(op)) continue;
        const path = [root, key, method];
        if (!marked(op)) report(path, `${op.operationId || method} names no x-chekt-source and is not x-chekt-inferred`);
        for (const part of ["requestBody", "responses", "parameters"]) {
          if (op[part] !== undefined) schemasIn(op[part], [...path, part], marked(op));
        }
      }
    }
  }
  for (const root of ["paths", "x-webhooks"]) {
    for (const [key, item] of Object.entries(isObject(spec[root]) ? spec[root] : {})) {
      const params = isObject(item) && Array.isArray(item.parameters) ? item.parameters : [];
      params.forEach((param, i) => {
        const path = [root, key, "parameters", i];
        if (isObject(param) && param.$ref === undefined && !marked(param)) {
          report(path, `path-level parameter \`${param.name}\` names no x-chekt-source and is not x-chekt-inferred`);
        }
        schemasIn(param, path, marked(param));
      });
    }
  }
  const components = isObject(spec.components) ? spec.components : {};
  for (const kind of ["responses", "requestBodies", "headers"]) {
    for (const [name, component] of Object.entries(isObject(components[kind]) ? components[kind] : {})) {
      const path = ["components", kind, name];
      if (kind === "headers" && isObject(component) && component.$ref === undefined && !marked(component)) {
        report(path, `header \`${name}\` names no x-chekt-source and is not x-chekt-inferred`);
      }
      schemasIn(component, path, marked(component));
    }
  }
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) {
    const path = ["components", "schemas", name];
    if (!marked(schema)) report(path, `schema \`${name}\` names no x-chekt-source and is not x-chekt-inferred`);
    walkSchema(schema, path, marked(schema));
  }
  for (const [name, param] of Object.entries(isObject(components.parameters) ? components.parameters : {})) {
    const path = ["components", "parameters", name];
    if (isObject(param) && param.$ref === undefined && !marked(param)) {
      report(path, `parameter \`${name}\` names no x-chekt-source and is not x-chekt-inferred`);
    }
    // `schema`, or `content.<media type>.schema`.
    if (isObject(param)) schemasIn(param, path, marked(param));
  }
  return results;
};
