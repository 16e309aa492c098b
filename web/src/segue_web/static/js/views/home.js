// Home: recently added albums and tracks, and the genres.

import { api } from '../api.js';
import { h } from '../dom.js';
import { trackList } from '../tracks.js';
import { albumCard, grid } from '../ui.js';

export async function home() {
  const [albums, tracks, genres] = await Promise.all([
    api('/albums', { params: { sort: 'added', order: 'desc', limit: 12 } }),
    api('/tracks', { params: { sort: 'added', order: 'desc', limit: 20 } }),
    api('/genres'),
  ]);
  return h('div', { class: 'page' },
    h('h1', { text: 'Recently added' }),
    h('section', { 'aria-label': 'Recently added albums' }, h('h2', { text: 'Albums' }), grid('Recently added albums', albums.items.map(albumCard))),
    h('section', { 'aria-label': 'Recently added tracks' }, h('h2', { text: 'Tracks' }), trackList(tracks.items, { label: 'Recently added tracks', context: 'recent' })),
    h('section', { 'aria-label': 'Genres' }, h('h2', { text: 'Genres' }),
      h('ul', { class: 'chips' }, genres.items.map((g) => h('li', {}, h('a', { class: 'chip', href: `#/genres/${encodeURIComponent(g.name)}`, 'data-testid': 'genre-card', text: g.name }))))));
}
