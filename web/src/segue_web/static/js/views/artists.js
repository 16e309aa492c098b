// Artists: the list and one artist's page (albums, play all).

import { all, api } from '../api.js';
import { h } from '../dom.js';
import { playList } from '../tracks.js';
import { albumCard, artistCard, cover, grid } from '../ui.js';
import { saveToggle } from './albums.js';

export async function artists() {
  const items = await all('/artists', { sort: 'name' });
  return h('div', { class: 'page' }, h('h1', { text: 'Artists' }), grid('Artists', items.map(artistCard)));
}

export async function artist({ params }) {
  const id = encodeURIComponent(params.id);
  const [info, albums] = await Promise.all([api(`/artists/${id}`), all(`/artists/${id}/albums`)]);
  const playAll = async () => {
    const lists = await Promise.all(albums.map((a) => all(`/albums/${a.id}/tracks`)));
    await playList(lists.flat(), 0, `artist:${info.id}`);
  };
  const first = albums.find((a) => a.cover_url);
  return h('div', { class: 'page' },
    h('header', { class: 'hero' },
      cover(first?.cover_url, `Cover of ${first?.title || info.name}`, 'cover large'),
      h('div', {},
        h('p', { class: 'kicker', text: 'Artist' }),
        h('h1', { text: info.name }),
        h('p', { text: `${info.album_count ?? albums.length} albums · ${info.track_count ?? ''} tracks` }),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', text: 'Play artist', onClick: playAll }),
          saveToggle('artist', info.id, 'Save artist', 'save-artist')))),
    h('h2', { text: 'Albums' }),
    grid(`Albums by ${info.name}`, albums.map(albumCard)));
}
