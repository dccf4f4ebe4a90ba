/* /docs: Swagger UI from the service's own copy (the swagger-ui-bundle package), on the
   service's own OpenAPI document, whose address is the page's data-openapi; no inline script,
   so the page's CSP holds.

   That copy of Swagger UI (4.x) reads OpenAPI 3.0 only, and FastAPI writes 3.1. The page
   shows the same document told in 3.0 terms: a "null" choice becomes "nullable", a numeric
   exclusive bound becomes the bound and a flag, a list of schema examples becomes its first
   example; keywords 3.0 lacks (propertyNames) are left out. /openapi.json itself stays 3.1. */
(function () {
  var root = document.getElementById("swagger-ui");

  function isNull(schema) {
    return schema && schema.type === "null" && Object.keys(schema).length === 1;
  }

  function downlevel(node) {
    if (Array.isArray(node)) return node.map(downlevel);
    if (!node || typeof node !== "object") return node;
    var out = {};
    Object.keys(node).forEach(function (key) { out[key] = downlevel(node[key]); });
    ["anyOf", "oneOf"].forEach(function (key) {
      if (!Array.isArray(out[key])) return;
      var rest = out[key].filter(function (choice) { return !isNull(choice); });
      if (rest.length === out[key].length) return;
      out.nullable = true;
      if (rest.length !== 1) { out[key] = rest; return; }
      delete out[key];
      var only = rest[0];
      if (only.$ref) { out.allOf = [only]; return; }  // nothing may stand beside a $ref in 3.0
      Object.keys(only).forEach(function (k) { if (!(k in out)) out[k] = only[k]; });
    });
    if (out.type === "null") { delete out.type; out.nullable = true; }
    ["Minimum", "Maximum"].forEach(function (bound) {
      var key = "exclusive" + bound;
      if (typeof out[key] === "number") { out[bound.toLowerCase()] = out[key]; out[key] = true; }
    });
    if (Array.isArray(out.examples)) {
      if (!("example" in out) && out.examples.length) out.example = out.examples[0];
      delete out.examples;
    }
    delete out.propertyNames;
    return out;
  }

  fetch(root.getAttribute("data-openapi"), {credentials: "same-origin"})
    .then(function (response) { return response.json(); })
    .then(function (doc) {
      var spec = downlevel(doc);
      spec.openapi = "3.0.3";
      window.ui = SwaggerUIBundle({
        spec: spec,
        domNode: root,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
        layout: "BaseLayout",
        deepLinking: true,
        showExtensions: true,
        showCommonExtensions: true,
        validatorUrl: null
      });
    });
})();
