// Search results grouped by tracks, artists, albums and playlists.

import { api } from '../api.js';
import { h } from '../dom.js';
import { trackList } from '../tracks.js';
import { albumCard, artistCard, grid } from '../ui.js';

function group(name, testid, count, content) {
  return h('section', { class: 'results', role: 'region', 'aria-label': name, 'data-testid': testid },
    h('h2', { text: `${name}${count ? ` (${count})` : ''}` }),
    count ? content : h('p', { class: 'empty', text: `No ${name.toLowerCase()}` }));
}

export async function search({ query }) {
  const q = (query.get('q') || '').trim();
  const input = document.getElementById('search');
  if (input && document.activeElement !== input) input.value = q;
  if (!q) return h('div', { class: 'page' }, h('h1', { text: 'Search' }), h('p', { text: 'Type in the search box (press /) to find tracks, artists, albums and playlists.' }));
  const found = await api('/search', { params: { q, limit: 20 } });
  const playlists = found.playlists?.items || [];
  return h('div', { class: 'page' },
    h('h1', { text: `Results for “${q}”` }),
    group('Tracks', 'results-tracks', found.tracks.items.length, trackList(found.tracks.items, { label: 'Matching tracks', context: `search:${q}` })),
    group('Artists', 'results-artists', found.artists.items.length, grid('Matching artists', found.artists.items.map(artistCard))),
    group('Albums', 'results-albums', found.albums.items.length, grid('Matching albums', found.albums.items.map(albumCard))),
    group('Playlists', 'results-playlists', playlists.length,
      h('ul', { class: 'link-list' }, playlists.map((p) => h('li', {}, h('a', { href: `#/playlists/${p.id}`, 'data-testid': 'playlist-link', text: p.name }))))));
}
