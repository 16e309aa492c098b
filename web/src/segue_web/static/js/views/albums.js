// Albums: the list (newest first, or by title) and one album's page.

import { all, api } from '../api.js';
import { duration, h } from '../dom.js';
import { library } from '../library.js';
import { playList, trackList } from '../tracks.js';
import { albumCard, cover, failed, grid } from '../ui.js';

export async function albums({ query }) {
  const sort = query.get('sort') || 'title';
  const items = await all('/albums', { sort, order: sort === 'added' || sort === 'year' ? 'desc' : 'asc' });
  const sorter = h('nav', { class: 'tabs', 'aria-label': 'Sort albums' },
    [['title', 'By title'], ['artist', 'By artist'], ['year', 'By year'], ['added', 'Recently added']].map(([key, label]) =>
      h('a', { href: `#/albums?sort=${key}`, 'aria-current': key === sort ? 'page' : null, text: label })));
  return h('div', { class: 'page' }, h('h1', { text: 'Albums' }), sorter, grid('Albums', items.map(albumCard)));
}

/** A toggle button saving `kind`/`id` to the library. */
export function saveToggle(kind, id, label, testid) {
  const button = h('button', { type: 'button', 'data-testid': testid });
  const show = () => {
    const saved = library.isSaved(kind, id);
    button.setAttribute('aria-pressed', String(saved));
    button.textContent = saved ? `Saved ✓` : label;
    button.setAttribute('aria-label', label);
  };
  button.addEventListener('click', async () => {
    try {
      await library.toggle(kind, id);
      show();
    } catch (error) {
      failed('Could not change the library', error);
    }
  });
  show();
  return button;
}

export async function album({ params }) {
  const [info, tracks] = await Promise.all([
    api(`/albums/${encodeURIComponent(params.id)}`),
    all(`/albums/${encodeURIComponent(params.id)}/tracks`),
  ]);
  const context = `album:${info.id}`;
  return h('div', { class: 'page' },
    h('header', { class: 'hero' },
      cover(info.cover_url, `Cover of ${info.title}`, 'cover large'),
      h('div', {},
        h('p', { class: 'kicker', text: 'Album' }),
        h('h1', { text: info.title }),
        h('p', {}, h('a', { href: `#/artists/${info.artist_id}`, text: info.artist_name }),
          ` · ${[info.year, `${info.track_count} tracks`, duration(info.duration_ms)].filter(Boolean).join(' · ')}`),
        info.genres?.length ? h('p', { class: 'detail', text: info.genres.join(', ') }) : null,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', 'data-testid': 'play-album', text: 'Play album', onClick: () => playList(tracks, 0, context) }),
          saveToggle('album', info.id, 'Save album', 'save-album')))),
    trackList(tracks, { label: `Tracks of ${info.title}`, context, numbered: true }));
}
