// A real OAuth 2 authorization server (oidc-provider) for actionforge's auth tests.
//
// Usage: node server.js PORT   (listens on 127.0.0.1:PORT, prints "listening <issuer>" when ready)
//
// Strict where it matters to the client under test: authorization code only, PKCE required
// (except for the "af-legacy" client, which models OpenAI-style providers without PKCE),
// refresh-token rotation with reuse detection, 5-second access tokens, introspection and
// revocation. The login and consent steps approve automatically so tests can drive the whole
// flow with plain HTTP; GET /interaction/<uid>?deny=1 makes the user refuse instead.
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number.parseInt(process.argv[2] ?? '', 10);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.js PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// Distinctive values: the secrets test searches logs and errors for them.
const CLIENT_DEFAULTS = {
  application_type: 'native', // loopback redirect URIs match on any port (RFC 8252 §7.3)
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback'],
};
const clients = [
  {
    ...CLIENT_DEFAULTS,
    client_id: 'af-post',
    client_secret: 'post-secret-Zq8VwX3kLr91',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    ...CLIENT_DEFAULTS,
    client_id: 'af-basic',
    client_secret: 'basic-secret-Hn4TmQ7sPe52',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...CLIENT_DEFAULTS,
    client_id: 'af-legacy',
    client_secret: 'legacy-secret-Ub6YcJ2wDf38',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    // The test API (resource server): it only introspects tokens.
    client_id: 'af-api',
    client_secret: 'api-secret-Rk5GeN9vAt17',
    grant_types: [],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];
// The platform's sign-in tests (tests/web/test_oauth_signin.py) name their callback URLs here.
if (process.env.AF_WEB_REDIRECT_URIS) {
  const redirects = process.env.AF_WEB_REDIRECT_URIS.split(' ');
  clients.push({ ...CLIENT_DEFAULTS, client_id: 'af-web', client_secret: 'web-secret-Lp3WsK8dQx64',
    token_endpoint_auth_method: 'client_secret_post', redirect_uris: redirects });
}

const provider = new Provider(issuer, {
  clients,
  scopes: ['openid', 'offline_access', 'read', 'write'],
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true },
  },
  pkce: { required: (ctx, client) => client.clientId !== 'af-legacy', methods: ['S256'] },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 5,
    AuthorizationCode: 60,
    RefreshToken: 3600,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
  },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['af-test-cookie-key'] },
});

async function interact(req, res) {
  const url = new URL(req.url, issuer);
  const details = await provider.interactionDetails(req, res);
  let result;
  if (url.searchParams.get('deny') === '1') {
    result = { error: 'access_denied', error_description: 'The user refused access' };
  } else if (details.prompt.name === 'login') {
    result = { login: { accountId: 'alice' } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details.missingOIDCScope;
    if (missing) grant.addOIDCScope(missing.join(' '));
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

// oidc-provider accepts a secret by either method whatever the client registered; real
// providers often do not, and the client under test must send the one configured. So the
// client authentication method is checked here before the provider sees the request.
const registeredMethod = Object.fromEntries(clients.map((c) => [c.client_id, c.token_endpoint_auth_method]));

function clientAuthProblem(req, body) {
  const header = req.headers.authorization;
  let clientId = body.get('client_id');
  let sent = body.has('client_secret') ? 'client_secret_post' : 'none';
  if (header && header.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    clientId = decodeURIComponent(decoded.slice(0, decoded.indexOf(':')));
    sent = 'client_secret_basic';
  }
  const registered = registeredMethod[clientId];
  if (registered && registered !== sent) {
    return `client ${clientId} must authenticate with ${registered}, not ${sent}`;
  }
  return null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function checkedTokenRequest(req, res) {
  const text = await readBody(req);
  const problem = clientAuthProblem(req, new URLSearchParams(text));
  if (problem) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_client', error_description: problem }));
    return;
  }
  req.body = text; // oidc-provider reads an already-consumed body from req.body
  handleProvider(req, res);
}

function fail(res) {
  return (err) => {
    res.statusCode = 500;
    res.end(String(err));
  };
}

const handleProvider = provider.callback();
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    interact(req, res).catch(fail(res));
  } else if (req.method === 'POST' && req.url.startsWith('/token')) {
    checkedTokenRequest(req, res).catch(fail(res));
  } else {
    handleProvider(req, res);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
