/* /docs: Swagger UI from the service's own copy (the fastapi-offline package's files), on the
   service's own OpenAPI document, whose address is the page's data-openapi; no inline script,
   so the page's CSP holds. */
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi"),
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null
  });
})();
