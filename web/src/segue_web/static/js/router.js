// Hash routes ("#/albums/ID") to views; each view module exports
// `render({params, query, isCurrent})` answering the page's element.

const ROUTES = [
  [/^\/$/, 'home'],
  [/^\/artists$/, 'artists'],
  [/^\/artists\/([^/]+)$/, 'artist', ['id']],
  [/^\/albums$/, 'albums'],
  [/^\/albums\/([^/]+)$/, 'album', ['id']],
  [/^\/genres$/, 'genres'],
  [/^\/genres\/([^/]+)$/, 'genre', ['name']],
  [/^\/search$/, 'search'],
  [/^\/playlists$/, 'playlists'],
  [/^\/playlists\/([^/]+)$/, 'playlist', ['id']],
  [/^\/library(?:\/(tracks|albums|artists))?$/, 'library', ['tab']],
  [/^\/history$/, 'history'],
  [/^\/offline$/, 'offline'],
  [/^\/settings$/, 'settings'],
  [/^\/admin$/, 'admin'],
];

const FILES = {
  home: 'home', artists: 'artists', artist: 'artists', albums: 'albums', album: 'albums',
  genres: 'genres', genre: 'genres', search: 'search', playlists: 'playlists', playlist: 'playlists',
  library: 'library', history: 'library', offline: 'library', settings: 'settings', admin: 'admin',
};

/** The view for `path`: `{view: {name, load}, params}`; unknown paths get "notfound". */
export function resolve(path) {
  for (const [pattern, name, keys = []] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params = {};
    keys.forEach((key, i) => { params[key] = match[i + 1] ? decodeURIComponent(match[i + 1]) : undefined; });
    return {
      view: { name, load: () => import(`./views/${FILES[name]}.js`).then((m) => ({ render: (args) => m[name](args) })) },
      params,
    };
  }
  return { view: { name: 'notfound', load: async () => ({ render: notFound }) }, params: {} };
}

function notFound() {
  const error = new Error(`no page at ${location.hash}; go back to the home page`);
  error.status = 404;
  throw error;
}
