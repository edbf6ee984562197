// Starts Swagger UI on /api/docs. Kept in a file: the app's CSP is script-src 'self'.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Offline: never send the document to the public validator service.
    validatorUrl: null,
    // Same-origin "Try it out" calls carry the session cookie; add X-CSRFToken via Authorize.
    withCredentials: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
