// The explorer's service worker: after one visit the site opens and works offline (every page, every
// response), and a changed dataset is used on the next visit.
//
// - The app (index.html, 404.html, the JS, the wasm, the CSS, the fonts) is kept in a cache named
//   after SHELL_VERSION. `cargo xtask site` writes the list and the version below: a new build or new
//   data (index.html preloads the data files by hash) makes a new version of this file, which the
//   browser installs on the next visit.
// - Data files are kept by their URL, which carries the file's hash (`data/grades/C1_english.csv?v=…`):
//   a URL never changes content, so they are answered from the cache first.
// - `data/manifest.json` is left to the network, so that a changed dataset is seen on the next visit;
//   offline, the app asks for `data/manifest.json?offline=1` and gets the copy kept here.
// - Once the app has loaded everything, it asks this worker to complete its copy (`refresh`): the
//   manifest, and every data file it lists that the cache lacks; files no longer listed are dropped.
//   Then it tells the pages `offline-ready`.

const SHELL_FILES = '__SHELL_FILES__';
const SHELL_VERSION = '__SHELL_VERSION__';
const SHELL_CACHE = `left-behind-shell-${SHELL_VERSION}`;
const DATA_CACHE = 'left-behind-data';
const MANIFEST = 'data/manifest.json';

const scope = () => self.registration.scope;
const inScope = (name) => new URL(name, scope()).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // `no-cache`: revalidated with the server, never an older copy from the HTTP cache.
      await cache.addAll(SHELL_FILES.map((name) => new Request(inScope(name), { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('left-behind-shell-') && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'refresh') event.waitUntil(refresh());
});

/** Completes the offline copy of the data, then tells every page. */
async function refresh() {
  const cache = await caches.open(DATA_CACHE);
  let manifest;
  try {
    const response = await fetch(inScope(MANIFEST), { cache: 'no-cache' });
    if (!response.ok) return;
    manifest = await response.clone().json();
    await cache.put(inScope(MANIFEST), response);
  } catch {
    return; // offline: the copy stays as it is
  }
  const wanted = new Set(manifest.files.map((file) => inScope(`data/${file.path}?v=${file.sha256.slice(0, 16)}`)));
  wanted.add(inScope(MANIFEST));
  const cached = new Set((await cache.keys()).map((request) => request.url));
  for (const url of cached) {
    if (!wanted.has(url)) await cache.delete(url);
  }
  const missing = [...wanted].filter((url) => !cached.has(url));
  // A few at a time: the page may still be in use on a slow connection.
  for (let start = 0; start < missing.length; start += 6) {
    await Promise.all(
      missing.slice(start, start + 6).map(async (url) => {
        try {
          const response = await fetch(url);
          if (response.ok) await cache.put(url, response);
        } catch {
          // offline again: completed on a later visit
        }
      }),
    );
  }
  const complete = (await cache.keys()).length >= wanted.size;
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    client.postMessage(complete ? 'offline-ready' : 'offline-incomplete');
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(scope())) return;
  const url = new URL(request.url);
  const path = url.pathname.slice(new URL(scope()).pathname.length);

  if (request.mode === 'navigate') {
    // Every route is the app: the overview's page (index.html, which holds the overview as it was
    // rendered at build time) for the root, 404.html (the app alone) for any other path.
    const page = path === '' || path === 'index.html' ? 'index.html' : '404.html';
    event.respondWith(fromCache(SHELL_CACHE, inScope(page), request));
    return;
  }
  if (path === MANIFEST) {
    if (url.searchParams.has('offline')) event.respondWith(fromCache(DATA_CACHE, inScope(MANIFEST), null));
    return; // the network's, always
  }
  if (path.startsWith('data/')) {
    event.respondWith(fromCache(DATA_CACHE, request.url, request, true));
    return;
  }
  event.respondWith(fromCache(SHELL_CACHE, inScope(path), request, true));
});

/** The cached copy of `key`, else the network's answer to `request` (kept when `keep`). */
async function fromCache(cacheName, key, request, keep = false) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(key);
  if (cached) return cached;
  if (!request) return new Response('not in the offline copy', { status: 504 });
  const response = await fetch(request);
  if (keep && response.ok) await cache.put(key, response.clone());
  return response;
}
