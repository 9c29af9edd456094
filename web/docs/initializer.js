// Starts Swagger UI on the API's OpenAPI document. The bearer token entered
// through "Authorize" is kept in localStorage across reloads
// (persistAuthorization). A successful sign-in or registration made with "Try
// it out" authorizes the page with the token it returns, so the next requests
// are signed in without copying the token by hand.
const TOKEN_PATHS = ['/api/auth/login', '/api/auth/register', '/api/auth/password'];

window.addEventListener('load', () => {
  const ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    responseInterceptor: (response) => {
      const path = new URL(response.url, window.location.origin).pathname;
      const token = response.ok && response.body && response.body.access_token;
      if (TOKEN_PATHS.includes(path) && typeof token === 'string') {
        ui.preauthorizeApiKey('bearerAuth', token);
      }
      return response;
    },
  });
  window.ui = ui;
});
