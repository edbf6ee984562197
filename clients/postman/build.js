#!/usr/bin/env node
// Builds bid-bazaar.postman_collection.json from the OpenAPI document.
//
//   node build.js                 # the document from `python -c "...build_document()"` (repo root, venv active)
//   node build.js --check         # fail (exit 1) if the committed collection differs
//   node build.js --url http://127.0.0.1:5050   # the document a live server serves
//
// openapi-to-postmanv2 converts; this script then makes the result runnable as it is
// imported: every request inherits the collection's bearer auth ({{bearerToken}}, set by
// the "Log in" requests' test scripts), time-dependent values come from a pre-request
// script ({{deadline}} = now + 7 days), ids are chained from earlier responses, and the
// requests are ordered as a story that works on a fresh server (FLOW below). The output
// is deterministic: no generated ids, no faked response examples.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const converter = require('openapi-to-postmanv2');

const ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT = path.join(__dirname, 'bid-bazaar.postman_collection.json');
const BASE_URL = 'http://localhost:5050'; // `python main.py`'s default; change the baseUrl variable for another
const PASSWORD = 'postman-pass-123';

// The run, folder by folder. `as` picks whose token the folder's requests send. Each step is
// an operationId (or [operationId, options]): `expect` lists the statuses the step accepts
// when the run cannot reach a 2xx (why is in `because`); `body` replaces the example body.
const FLOW = [
  {
    name: '1 Customer posts a job',
    as: 'customer',
    steps: [
      'health',
      ['register', { name: 'Register the customer', who: 'customer', provider: false }],
      ['login', { name: 'Log in (customer)', who: 'customer' }],
      'get_profile',
      'public_profile',
      'user_reviews',
      'csrf_token',
      'list_categories',
      'create_auction',
      'list_auctions',
      'get_auction',
      'update_auction',
      'list_events',
      'verify_events',
      'watch_auction',
      'my_watchlist',
      'unwatch_auction',
      'get_email_preferences',
      'update_email_preferences',
      'resend_verification',
      'request_password_reset',
    ],
  },
  {
    name: '2 Provider asks and bids',
    as: 'provider',
    steps: [
      ['register', { name: 'Register a provider', who: 'provider', provider: true }],
      ['login', { name: 'Log in (provider)', who: 'provider' }],
      'list_questions',
      'ask_question',
      'create_search',
      'list_searches',
      'get_search',
      'update_search',
      'delete_search',
      'place_bid',
      'list_bids',
      'my_bids',
      'set_proxy',
      'get_proxy',
      'cancel_proxy',
    ],
  },
  {
    name: '3 Customer answers and awards',
    as: 'customer',
    steps: [
      'answer_question',
      'list_notifications',
      ['read_notifications', { body: { all: true } }],
      'award_auction',
      'list_bookings',
      'get_booking',
    ],
  },
  {
    name: '4 Provider confirms and does the job',
    as: 'provider',
    steps: ['confirm_booking', 'mark_done'],
  },
  {
    name: '5 Customer completes and reviews',
    as: 'customer',
    steps: ['complete_booking', 'write_review', 'update_profile'],
  },
  {
    name: '6 Provider replies',
    as: 'provider',
    steps: [
      [
        'write_review',
        {
          name: 'Review the customer (publishes both reviews: they are double-blind)',
          // The reply below answers the customer's review of this provider, not this one.
          prerequest: ["pm.collectionVariables.set('customer_review_id', pm.collectionVariables.get('review_id'));"],
          tests: ["pm.collectionVariables.set('review_id', pm.collectionVariables.get('customer_review_id'));"],
        },
      ],
      'reply_to_review',
    ],
  },
  {
    name: '7 Refusals a finished job meets',
    as: 'customer',
    steps: [
      ['withdraw_bid', { expect: [403], because: 'only the bidder may withdraw (and the auction is closed)' }],
      ['cancel_auction', { expect: [409], because: 'the auction is already awarded' }],
      ['repost_auction', { expect: [409], because: 'only an auction that found nobody is reposted' }],
      ['decline_booking', { expect: [403, 409], because: 'the booking is completed' }],
      ['cancel_booking', { expect: [409], because: 'the booking is completed' }],
      ['report_no_show', { expect: [409], because: 'the booking is completed' }],
      ['reoffer_booking', { expect: [409], because: 'the booking is completed' }],
    ],
  },
  {
    name: '8 Admin and emailed-link requests (this run has no admin and no mailbox)',
    as: 'customer',
    steps: [
      ['create_category', { expect: [403], because: 'admins only' }],
      ['update_category', { expect: [403], because: 'admins only' }],
      ['delete_category', { expect: [403], because: 'admins only' }],
      ['decide_no_show', { expect: [403], because: 'admins only' }],
      ['hide_review', { expect: [403], because: 'admins only' }],
      ['hide_question', { expect: [403], because: 'admins only' }],
      ['verify_email', { expect: [400], because: 'the token comes by email; the example one is invalid' }],
      ['confirm_password_reset', { expect: [400], because: 'the token comes by email; the example one is invalid' }],
      'openapi_document',
      'api_docs',
    ],
  },
  {
    name: '9 Log out (last: it revokes the token)',
    as: 'customer',
    steps: [
      [
        'logout',
        {
          // The token is revoked now: a second Run must not send it (a dead token is a 401 everywhere).
          tests: ["pm.collectionVariables.set('bearerToken', '');", "pm.collectionVariables.set('customer_token', '');"],
        },
      ],
    ],
  },
];

// Ids a 201 answer carries, stored for later requests' path variables and bodies.
const CAPTURED = ['auction', 'bid', 'question', 'search', 'review', 'booking', 'category', 'user'];

function readDocument() {
  const urlAt = process.argv.indexOf('--url');
  if (urlAt > 0) {
    const url = `${process.argv[urlAt + 1].replace(/\/$/, '')}/api/openapi.json`;
    return JSON.parse(execFileSync('curl', ['-fsS', url], { encoding: 'utf8' }));
  }
  const code =
    'import json; from bidbazaar.openapi import build_document; ' +
    `print(json.dumps(build_document(${JSON.stringify(BASE_URL)})))`;
  return JSON.parse(execFileSync('python', ['-c', code], { cwd: ROOT, encoding: 'utf8' }));
}

// The AuctionCreate example's deadline is a week from when the document was built: in the
// collection it is {{deadline}}, recomputed before every request.
function templateDeadlines(document) {
  const deadline = document.paths['/api/auctions'].post.requestBody.content['application/json'].example.deadline;
  const walk = (node) => {
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
    }
    return node === deadline ? '{{deadline}}' : node;
  };
  return walk(document);
}

function convert(document) {
  const options = {
    folderStrategy: 'Tags',
    parametersResolution: 'Example',
    requestNameSource: 'Fallback',
    alwaysInheritAuthentication: true,
    enableOptionalParameters: true,
    indentCharacter: 'Space',
  };
  return new Promise((resolve, reject) => {
    converter.convertV2({ type: 'json', data: document }, options, (error, result) => {
      if (error) return reject(error);
      if (!result.result) return reject(new Error(result.reason));
      return resolve(result.output[0].data);
    });
  });
}

function* requests(items) {
  for (const item of items) {
    if (item.item) yield* requests(item.item);
    else yield item;
  }
}

function script(type, lines) {
  return { listen: type, script: { type: 'text/javascript', exec: lines } };
}

// Path variables and body ids point at the ids earlier responses stored.
function chainIds(request) {
  for (const variable of request.url.variable || []) {
    variable.value = `{{${variable.key}}}`;
  }
  if (request.body && request.body.raw) {
    request.body.raw = request.body.raw.replace(/"(bid_id)": \d+/g, '"$1": {{$1}}');
  }
}

function step(item, options) {
  // The converter's random ids would make every build differ.
  const copy = JSON.parse(JSON.stringify(item, (key, value) => (key === 'id' ? undefined : value)));
  const request = copy.request;
  delete request.auth; // every request inherits the collection's bearer auth
  if (options.name) copy.name = options.name;
  chainIds(request);
  for (const header of request.header || []) {
    // A new key per send: the same key again would replay the first answer (or 409 on another request).
    if (header.key === 'Idempotency-Key') header.value = '{{$guid}}';
  }
  if (options.body) request.body.raw = JSON.stringify(options.body, null, 2);
  const prerequest = [];
  const tests = [];
  if (options.who) {
    const body = JSON.parse(request.body.raw);
    body.username = `{{${options.who}_username}}`;
    body.password = PASSWORD;
    if ('email' in body) {
      body.email = `{{${options.who}_username}}@example.com`;
      body.is_service_provider = options.provider;
    }
    request.body.raw = JSON.stringify(body, null, 2);
  }
  if (options.who && 'provider' in options) {
    // A fresh name per run, so pressing Run again on the same server registers again.
    prerequest.push(
      `pm.collectionVariables.set('${options.who}_username', '${options.who}_' + Date.now().toString(36));`,
      // Whatever token an earlier, interrupted run left is no use to a new account.
      "pm.collectionVariables.set('bearerToken', '');",
      `pm.collectionVariables.set('${options.who}_token', '');`,
    );
  }
  const expected = options.expect || options.documented;
  const label = options.because ? ` (${options.because})` : '';
  tests.push(
    `pm.test('Status is ${expected.join(' or ')}${label}', function () {`,
    `  pm.expect(pm.response.code).to.be.oneOf(${JSON.stringify(expected)});`,
    '});',
  );
  if (options.who && !('provider' in options)) {
    tests.push(
      "const token = pm.response.json().access_token;",
      "pm.collectionVariables.set('bearerToken', token);",
      `pm.collectionVariables.set('${options.who}_token', token);`,
    );
  }
  prerequest.push(...(options.prerequest || []));
  tests.push(...(options.tests || []));
  copy.event = [];
  if (prerequest.length) copy.event.push(script('prerequest', prerequest));
  copy.event.push(script('test', tests));
  // Saved examples are faked by the converter (random) and repeat the document: left out.
  copy.response = [];
  return copy;
}

function operationKey(request) {
  const parts = request.url.path.map((part) => (part.startsWith(':') ? `{${part.slice(1)}}` : part));
  return `${request.method.toLowerCase()} /${parts.join('/')}`;
}

function assemble(document, converted) {
  const byKey = new Map();
  for (const item of requests(converted.item)) byKey.set(operationKey(item.request), item);
  const operations = new Map();
  for (const [route, pathItem] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem)) {
      const item = byKey.get(`${method} ${route}`);
      if (!item) throw new Error(`the converter made no request for ${method} ${route}`);
      const documented = Object.keys(operation.responses)
        .filter((status) => status.startsWith('2'))
        .map(Number);
      operations.set(operation.operationId, { item, documented });
    }
  }
  const placed = new Set();
  const folders = FLOW.map((folder) => ({
    name: folder.name,
    item: folder.steps.map((entry) => {
      const [operationId, options] = Array.isArray(entry) ? entry : [entry, {}];
      const operation = operations.get(operationId);
      if (!operation) throw new Error(`FLOW names ${operationId}, which the document does not have`);
      placed.add(operationId);
      return step(operation.item, { ...options, documented: operation.documented });
    }),
    event: [script('prerequest', [`pm.collectionVariables.set('bearerToken', pm.collectionVariables.get('${folder.as}_token') || '');`])],
  }));
  const missing = [...operations.keys()].filter((operationId) => !placed.has(operationId));
  if (missing.length) throw new Error(`FLOW leaves out ${missing.join(', ')}: place each in a folder`);

  const variables = [
    'baseUrl',
    'bearerToken',
    'deadline',
    'customer_token',
    'provider_token',
    'customer_username',
    'provider_username',
    'customer_review_id',
  ];
  for (const name of CAPTURED) variables.push(`${name}_id`);
  return {
    info: {
      _postman_id: 'a7c3e1f0-6b2d-4c59-9e0a-b1d2ba2aa001',
      name: document.info.title,
      description: `${converted.info.description.content}\n\nGenerated by clients/postman/build.js from the OpenAPI document; do not edit by hand. Import it, set baseUrl if the server is not on ${BASE_URL}, and press Run: the folders tell a story on a fresh server.`,
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{bearerToken}}', type: 'string' }] },
    event: [
      script('prerequest', [
        '// A deadline a week ahead, whole seconds, so a created auction is never stale.',
        'const deadline = new Date(Date.now() + 7 * 24 * 3600 * 1000);',
        'deadline.setUTCMilliseconds(0);',
        "pm.collectionVariables.set('deadline', deadline.toISOString().replace('.000Z', 'Z'));",
      ]),
      script('test', [
        `// Every 201 stores the ids it carries (${CAPTURED.join(', ')}) for later requests.`,
        "if (pm.response.code === 201) {",
        '  const body = pm.response.json();',
        `  for (const name of ${JSON.stringify(CAPTURED)}) {`,
        "    if (body[name] && body[name].id) pm.collectionVariables.set(name + '_id', body[name].id);",
        '  }',
        '}',
        "// The seeded categories: the first one's id, for the category requests.",
        "if (pm.request.url.getPath() === '/api/categories' && pm.request.method === 'GET' && pm.response.code === 200) {",
        "  pm.collectionVariables.set('category_id', pm.response.json().categories[0].id);",
        '}',
        "// The award creates the booking: its id comes from the listing.",
        "if (pm.request.url.getPath() === '/api/bookings' && pm.response.code === 200) {",
        '  const bookings = pm.response.json().bookings;',
        "  if (bookings.length) pm.collectionVariables.set('booking_id', bookings[0].id);",
        '}',
      ]),
    ],
    variable: variables.map((key) => ({ key, value: key === 'baseUrl' ? BASE_URL : '', type: 'string' })),
    item: folders,
  };
}

async function main() {
  const document = templateDeadlines(readDocument());
  const converted = await convert(document);
  const text = `${JSON.stringify(assemble(document, converted), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : '';
    if (committed !== text) {
      fs.writeFileSync(`${OUTPUT}.new`, text);
      console.error(`${path.basename(OUTPUT)} is stale: run \`node clients/postman/build.js\` and commit it (see ${OUTPUT}.new)`);
      process.exit(1);
    }
    console.log(`${path.basename(OUTPUT)} is up to date`);
    return;
  }
  fs.writeFileSync(OUTPUT, text);
  console.log(`wrote ${OUTPUT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
