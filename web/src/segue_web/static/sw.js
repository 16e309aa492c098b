// Segue's Service Worker: lets the web player start and play kept tracks with
// the network off.
//
// Three caches:
// * the app shell (index.html and /web/ assets), network first so that a new
//   release is picked up at once, the cached copy when the network fails;
// * recent API answers (GET /api/...), network first, stored per user (a hash
//   of the credentials is part of the key) so one user's data never answers
//   another's request;
// * tracks kept offline: audio and metadata written by js/offline.js. Stream
//   requests for those tracks are answered from the cache, Range included,
//   online or not (a kept track plays without downloading it again).

const SHELL_CACHE = 'segue-shell-v1';
const API_CACHE = 'segue-api-v1';
// Not versioned with the shell: a new Service Worker must not drop music the user kept.
const OFFLINE_CACHE = 'segue-offline-v1';
const API_CACHE_MAX_ENTRIES = 400;

const STREAM_PATH = /^\/api\/v1\/(?:signed\/)?tracks\/([^/]+)\/stream$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.add('/'))
      .catch(() => undefined) // a failed precache must not block the update; runtime caching fills it
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, API_CACHE, OFFLINE_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith('segue-') && !keep.has(name)) await caches.delete(name);
      }
      // Control the page that registered us, so that its next requests are cached.
      await self.clients.claim();
    })(),
  );
});

// The page sends what it loaded before this worker controlled it: the shell
// assets, and the API answers it read (fetched again here with its token).
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'cache-shell') return;
  const reply = event.ports && event.ports[0];
  const list = (value) => (Array.isArray(value) ? value : []);
  event.waitUntil(
    Promise.all([cacheShell(list(data.urls)), cacheApi(list(data.api), String(data.token || ''))]).then(
      ([shell, api]) => reply && reply.postMessage({ ok: true, cached: shell + api }),
      (error) => reply && reply.postMessage({ ok: false, error: String(error) }),
    ),
  );
});

async function cacheShell(urls) {
  const cache = await caches.open(SHELL_CACHE);
  let count = 0;
  for (const url of urls) {
    const target = new URL(url, self.location.origin);
    if (target.origin !== self.location.origin || !isShellPath(target.pathname)) continue;
    const response = await fetch(target.href, { cache: 'no-cache' }).catch(() => null);
    if (response && response.ok) {
      await cache.put(shellKey(target), response);
      count += 1;
    }
  }
  return count;
}

async function cacheApi(urls, token) {
  if (!token) return 0;
  const user = await secretKey(token);
  const cache = await caches.open(API_CACHE);
  let count = 0;
  for (const url of urls) {
    const target = new URL(url, self.location.origin);
    if (target.origin !== self.location.origin || !isCachedApi(target.pathname)) continue;
    const headers = { Authorization: `Bearer ${token}` };
    const response = await fetch(target.href, { headers }).catch(() => null);
    if (response && response.status === 200) {
      await cache.put(new Request(apiKey(target, user)), response);
      count += 1;
    }
  }
  await trimCache(API_CACHE, API_CACHE_MAX_ENTRIES);
  return count;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  const stream = STREAM_PATH.exec(url.pathname);
  if (stream) {
    event.respondWith(streamResponse(request, decodeURIComponent(stream[1])));
  } else if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, SHELL_CACHE, new Request('/'), false));
  } else if (isShellPath(url.pathname)) {
    event.respondWith(networkFirst(request, SHELL_CACHE, new Request(shellKey(url)), false));
  } else if (isCachedApi(url.pathname)) {
    event.respondWith(apiResponse(request, url));
  }
  // Anything else (/rest/, POSTs, other origins) goes to the network untouched.
});

function isShellPath(pathname) {
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/web/');
}

function shellKey(url) {
  const pathname = url.pathname === '/index.html' ? '/' : url.pathname;
  return new URL(pathname, self.location.origin).href;
}

function isCachedApi(pathname) {
  return pathname.startsWith('/api/v1/') && pathname !== '/api/v1/ws' && !pathname.startsWith('/api/v1/auth/');
}

async function networkFirst(request, cacheName, key, perUser) {
  try {
    const response = await fetch(request);
    // Keep only complete, successful answers (a 206 cannot be cached).
    if (response.status === 200 && key) {
      const copy = response.clone();
      caches
        .open(cacheName)
        .then((cache) => cache.put(key, copy))
        .then(() => (perUser ? trimCache(cacheName, API_CACHE_MAX_ENTRIES) : undefined))
        .catch(() => undefined); // a full disk must not break the page
    }
    return response;
  } catch (error) {
    const cached = key ? await caches.match(key, { cacheName }) : undefined;
    if (cached) return cached;
    return offlineProblem(request);
  }
}

async function apiResponse(request, url) {
  const user = await userKey(request, url);
  // Without credentials the answer is public (health) or a 401: not worth keeping.
  const key = user ? new Request(apiKey(url, user)) : null;
  // Past the browser's HTTP cache: it keys answers by URL alone, so offline it
  // could hand one user's answer to another's request. This worker keeps them per user.
  return networkFirst(new Request(request, { cache: 'no-store' }), API_CACHE, key, true);
}

function apiKey(url, user) {
  const params = new URLSearchParams(url.search);
  params.delete('token'); // the credential is in the user part of the key
  params.sort();
  // In the query, not a #fragment: the Cache API ignores fragments when matching.
  params.append('segue-cache-user', user);
  return `${self.location.origin}${url.pathname}?${params}`;
}

async function userKey(request, url) {
  const header = request.headers.get('authorization') || request.headers.get('x-api-key') || '';
  const secret = header.replace(/^Bearer\s+/i, '') || url.searchParams.get('token') || '';
  return secret ? secretKey(secret) : '';
}

// A short hash of a token or API key: the user part of API cache keys.
async function secretKey(secret) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function trimCache(cacheName, maxEntries) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  // keys() lists in insertion order: the oldest go first.
  for (const key of keys.slice(0, Math.max(0, keys.length - maxEntries))) await cache.delete(key);
}

function offlineProblem(request) {
  const body = JSON.stringify({
    status: 503,
    title: 'Service Unavailable',
    type: 'about:blank',
    detail: `offline: ${new URL(request.url).pathname} is not in the offline cache; reconnect to load it`,
  });
  return new Response(body, {
    status: 503,
    headers: { 'Content-Type': 'application/problem+json', 'X-Segue-Offline': '1' },
  });
}

async function streamResponse(request, trackId) {
  const cached = await caches.match(offlineAudioKey(trackId), { cacheName: OFFLINE_CACHE });
  // Not kept: the network (a clear 503 when it is down, like API answers).
  if (!cached) return fetch(request).catch(() => offlineProblem(request));
  return rangeResponse(cached, request.headers.get('range'));
}

function offlineAudioKey(trackId) {
  return new URL(`/offline/audio/${encodeURIComponent(trackId)}`, self.location.origin).href;
}

// Answers a request for a kept track from its full cached body: 200 without a
// Range header, 206 with one (only the first range: <audio> asks for one), 416
// for a range outside the body.
async function rangeResponse(cached, range) {
  const body = await cached.blob();
  const size = body.size;
  const headers = {
    'Content-Type': cached.headers.get('content-type') || 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'X-Segue-Offline': '1',
  };
  const rendition = cached.headers.get('x-segue-rendition');
  if (rendition) headers['X-Segue-Rendition'] = rendition;
  if (!range) {
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Length': String(size) } });
  }
  const bounds = parseRange(range, size);
  if (!bounds) {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  }
  const [start, end] = bounds;
  return new Response(body.slice(start, end + 1), {
    status: 206,
    headers: {
      ...headers,
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': String(end - start + 1),
    },
  });
}

// "bytes=a-b", "bytes=a-" or "bytes=-n" (first range only) -> [start, end], or null when unsatisfiable.
function parseRange(header, size) {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/i.exec(header);
  if (!match || (match[1] === '' && match[2] === '') || size === 0) return null;
  let start;
  let end;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start < size && start <= end ? [start, end] : null;
}
