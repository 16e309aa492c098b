// Offline listening: registers the Service Worker (/sw.js) and keeps the audio
// and metadata of tracks the user marks in the Cache API, where the worker
// finds them to answer the player's stream requests with the network off.
//
// Keys in the "segue-offline-v1" cache (shared with sw.js):
//   /offline/audio/<track id>   the audio body (one rendition, complete)
//   /offline/tracks/<track id>  the track JSON, for listOffline()

const OFFLINE_CACHE = 'segue-offline-v1';
// The Service Worker's copy of recent API answers, per user (see sw.js).
const API_CACHE = 'segue-api-v1';
// What is kept: a compressed rendition (the original may be a large FLAC or WAV).
const KEEP_FORMAT = 'ogg';
const KEEP_QUALITY = 'high';

// The web player keeps its login token here (see api.js); configureOffline() can say otherwise.
let tokenSource = () => localStorage.getItem('segue.token') || '';

/**
 * Tells this module how to authenticate its downloads.
 * @param {{token: string | (() => string)}} options the bearer token, or a function returning the current one
 */
export function configureOffline({ token }) {
  tokenSource = typeof token === 'function' ? token : () => token;
}

/**
 * Registers the Service Worker at the site root and hands it the assets this
 * page loaded before the worker controlled it, so the app shell opens offline.
 * Resolves to the registration, or null where Service Workers are unavailable
 * (insecure origin, disabled by the browser).
 */
export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (error) {
    console.warn('offline: the Service Worker could not be registered:', error);
    return null;
  }
  const ready = await navigator.serviceWorker.ready;
  await sendShell(ready.active);
  return registration;
}

// What the page loaded before the worker controlled it: shell assets, and
// the API answers it read (fetch() calls; streams and covers are not kept).
function loadedUrls() {
  const entries = performance.getEntriesByType('resource').map((entry) => ({
    url: new URL(entry.name),
    initiator: entry.initiatorType,
  }));
  const own = entries.filter(({ url }) => url.origin === location.origin);
  const path = ({ url }) => url.pathname + url.search;
  const shell = own.filter(({ url }) => url.pathname.startsWith('/web/')).map(path);
  const api = own
    .filter(({ url, initiator }) => url.pathname.startsWith('/api/v1/') && initiator === 'fetch')
    .filter(({ url }) => !url.pathname.startsWith('/api/v1/auth/') && !url.pathname.endsWith('/stream'))
    .map(path);
  return { urls: ['/', ...new Set(shell)], api: [...new Set(api)] };
}

function sendShell(worker) {
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    const message = { type: 'cache-shell', ...loadedUrls(), token: tokenSource() };
    worker.postMessage(message, [channel.port2]);
  });
}

function audioKey(trackId) {
  return `/offline/audio/${encodeURIComponent(trackId)}`;
}

function metaKey(trackId) {
  return `/offline/tracks/${encodeURIComponent(trackId)}`;
}

function offlineCache() {
  if (!('caches' in window)) {
    throw new Error('offline: this page cannot keep tracks (the Cache API needs https:// or localhost)');
  }
  return caches.open(OFFLINE_CACHE);
}

async function download(url, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return fetch(url, { headers, cache: 'no-store' });
}

/**
 * Downloads a track's audio and keeps it, with its metadata, for offline play.
 * @param {{id: string, stream_url?: string}} track the track JSON from the API
 * @param {{token?: string}} [options] a bearer token for this call (else the configured one)
 * @returns {Promise<object>} the kept track JSON
 */
export async function markForOffline(track, options = {}) {
  if (!track || typeof track.id !== 'string' || !track.id) {
    throw new Error('offline: markForOffline needs a track object with an "id" (the track JSON from the API)');
  }
  const token = options.token ?? tokenSource();
  const streamUrl = track.stream_url || `/api/v1/tracks/${encodeURIComponent(track.id)}/stream`;
  const separator = streamUrl.includes('?') ? '&' : '?';
  let response = await download(`${streamUrl}${separator}format=${KEEP_FORMAT}&quality=${KEEP_QUALITY}`, token);
  if (response.status === 400) {
    // No transcoder on this server: keep the original file.
    response = await download(streamUrl, token);
  }
  if (response.status !== 200) {
    throw new Error(`offline: could not download "${track.title ?? track.id}" (HTTP ${response.status})`);
  }
  const cache = await offlineCache();
  await cache.put(audioKey(track.id), response);
  const meta = new Response(JSON.stringify(track), { headers: { 'Content-Type': 'application/json' } });
  await cache.put(metaKey(track.id), meta);
  // Ask the browser not to evict kept music under storage pressure (no prompt in Chromium).
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => false);
  announce(track.id, true);
  return track;
}

/**
 * Forgets a kept track (audio and metadata). Resolves to true when something was removed.
 * @param {string} trackId
 */
export async function removeOffline(trackId) {
  const cache = await offlineCache();
  const removedAudio = await cache.delete(audioKey(trackId));
  const removedMeta = await cache.delete(metaKey(trackId));
  announce(trackId, false);
  return removedAudio || removedMeta;
}

/**
 * Whether a track's audio is kept for offline play.
 * @param {string} trackId
 */
export async function isOffline(trackId) {
  if (!('caches' in window)) return false;
  const cache = await caches.open(OFFLINE_CACHE);
  return (await cache.match(audioKey(trackId))) !== undefined;
}

/**
 * The kept tracks' JSON, in the order they were kept.
 * @returns {Promise<object[]>}
 */
export async function listOffline() {
  if (!('caches' in window)) return [];
  const cache = await caches.open(OFFLINE_CACHE);
  const tracks = [];
  for (const request of await cache.keys()) {
    if (!new URL(request.url).pathname.startsWith('/offline/tracks/')) continue;
    const response = await cache.match(request);
    if (response) tracks.push(await response.json());
  }
  return tracks;
}

/**
 * Forgets the API answers the Service Worker kept for offline use (call it on
 * logout, so the next person on this browser cannot read them offline). Kept
 * tracks stay: they are music files, not account data.
 */
export async function clearApiCache() {
  if (!('caches' in window)) return false;
  return caches.delete(API_CACHE);
}

// Lets views refresh their "Keep offline" toggles: detail {trackId, offline}.
function announce(trackId, offline) {
  window.dispatchEvent(new CustomEvent('segue:offline-changed', { detail: { trackId, offline } }));
}
