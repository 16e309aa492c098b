// The user's library (saved tracks, albums, artists), listening history and
// the tracks kept offline.

import { all, api } from '../api.js';
import { ago, h } from '../dom.js';
import { offline, trackList, trackRow, playList } from '../tracks.js';
import { albumCard, artistCard, grid } from '../ui.js';

const TABS = [['tracks', 'Tracks', 'track'], ['albums', 'Albums', 'album'], ['artists', 'Artists', 'artist']];

export async function library({ params }) {
  const tab = params.tab || 'tracks';
  const kind = TABS.find(([key]) => key === tab)[2];
  const items = await all('/library', { kind });
  let content;
  if (kind === 'track') {
    const tracks = items.map((i) => i.track).filter(Boolean);
    content = tracks.length ? trackList(tracks, { label: 'Saved tracks', context: 'library' }) : null;
  } else if (kind === 'album') {
    content = items.length ? grid('Saved albums', items.map((i) => i.album).filter(Boolean).map(albumCard)) : null;
  } else {
    content = items.length ? grid('Saved artists', items.map((i) => i.artist).filter(Boolean).map(artistCard)) : null;
  }
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Library' },
    TABS.map(([key, label]) => h('a', {
      role: 'tab', href: `#/library/${key}`, 'aria-selected': String(key === tab), id: `tab-${key}`,
      'aria-controls': 'library-panel', text: label,
    })));
  return h('div', { class: 'page' },
    h('h1', { text: 'Your library' }), tabs,
    h('div', { role: 'tabpanel', id: 'library-panel', 'aria-labelledby': `tab-${tab}` },
      content || h('p', { class: 'empty', text: `No saved ${tab} yet: use the ♡ buttons and "Save" on pages.` })));
}

export async function history() {
  const page = await api('/history', { params: { limit: 200 } });
  const plays = page.items.filter((p) => p.track);
  const tracks = plays.map((p) => p.track);
  return h('div', { class: 'page' },
    h('h1', { text: 'Listening history' }),
    plays.length
      ? h('ol', { class: 'history', 'aria-label': 'Plays, newest first' }, plays.map((play, index) =>
        h('li', { 'data-testid': 'history-item', 'data-track-id': play.track.id },
          h('span', { class: 'history-time', text: ago(play.played_at) }),
          h('div', { role: 'list', class: 'track-list' }, trackRow(play.track, { onPlay: () => playList(tracks, index, 'history') })))))
      : h('p', { class: 'empty', text: 'Nothing played yet.' }));
}

export async function offlineView() {
  const module = await offline();
  const tracks = module ? await module.listOffline() : [];
  return h('div', { class: 'page' },
    h('h1', { text: 'Kept offline' }),
    h('p', { class: 'hint', text: 'Tracks marked “Keep offline” in a track menu are stored in this browser and play without a network.' }),
    tracks.length ? trackList(tracks, { label: 'Tracks kept offline', context: 'offline' }) : h('p', { class: 'empty', text: 'No track is kept offline yet.' }));
}

export { offlineView as offline };
