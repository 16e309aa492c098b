// Genres: the list with counts, and one genre's albums and tracks.

import { all, api } from '../api.js';
import { h } from '../dom.js';
import { trackList } from '../tracks.js';
import { albumCard, grid } from '../ui.js';

export async function genres() {
  const answer = await api('/genres');
  return h('div', { class: 'page' }, h('h1', { text: 'Genres' }),
    h('ul', { class: 'chips big' }, answer.items.map((g) => h('li', {},
      h('a', { class: 'chip', href: `#/genres/${encodeURIComponent(g.name)}`, 'data-testid': 'genre-card' },
        h('span', { text: g.name }), h('span', { class: 'detail', text: ` ${g.album_count} albums · ${g.track_count} tracks` }))))));
}

export async function genre({ params }) {
  const [albums, tracks] = await Promise.all([
    all('/albums', { genre: params.name, sort: 'title' }),
    all('/tracks', { genre: params.name, sort: 'artist' }, 500),
  ]);
  return h('div', { class: 'page' },
    h('p', { class: 'kicker', text: 'Genre' }), h('h1', { text: params.name }),
    h('h2', { text: 'Albums' }), grid(`${params.name} albums`, albums.map(albumCard)),
    h('h2', { text: 'Tracks' }), trackList(tracks, { label: `${params.name} tracks`, context: `genre:${params.name}` }));
}
