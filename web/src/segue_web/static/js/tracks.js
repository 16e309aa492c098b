// Track lists: rows with play, save and a menu (queue, playlists, library,
// offline, album/artist), draggable onto playlists and within a playlist.

import { duration, h } from './dom.js';
import { icon } from './icons.js';
import { library } from './library.js';
import { player } from './player.js';
import { queue } from './queue.js';
import { failed, openMenu, prompt, toast } from './ui.js';

export const DRAG_TYPE = 'application/x-segue-tracks';

// offline.js is helper-owned and optional: a failure to load it only hides the toggle.
export const offline = () => import('./offline.js').catch(() => null);

/** Replace the queue with `tracks` from `index` and start playing. */
export async function playList(tracks, index = 0, context = null) {
  try {
    const state = await queue.playTracks(tracks, index, context);
    if (state.current) await player.load(state.current);
  } catch (error) {
    failed('Could not start playback', error);
  }
}

async function addToPlaylistItems(tracks) {
  const ids = tracks.map((t) => t.id);
  const add = async (playlist) => {
    try {
      await library.addToPlaylist(playlist.id, ids);
      toast(`Added to “${playlist.name}”`);
    } catch (error) {
      failed('Could not add to the playlist', error);
    }
  };
  return [
    ...library.editable.map((playlist) => ({ label: playlist.name, action: () => add(playlist) })),
    {
      label: 'New playlist…',
      action: async () => {
        const name = await prompt('New playlist', 'Playlist name');
        if (!name) return;
        try {
          await library.createPlaylist(name, ids);
          toast(`Created “${name}”`);
        } catch (error) {
          failed('Could not create the playlist', error);
        }
      },
    },
  ];
}

async function menuItems(track, options) {
  const saved = library.isSaved('track', track.id);
  const items = [
    { label: 'Play next', action: () => queue.add([track], true).then(() => toast('Playing next')).catch((e) => failed('Could not queue', e)) },
    { label: 'Add to queue', action: () => queue.add([track]).then(() => toast('Added to the queue')).catch((e) => failed('Could not queue', e)) },
    { label: 'Add to playlist…', submenu: () => addToPlaylistItems([track]) },
    {
      label: saved ? 'Remove from library' : 'Save to library',
      action: () => library.toggle('track', track.id).catch((e) => failed('Could not change the library', e)),
    },
  ];
  const kept = await offline();
  if (kept) {
    const isKept = await kept.isOffline(track.id).catch(() => false);
    items.push({
      label: 'Keep offline',
      checked: isKept,
      testid: 'menu-offline',
      action: async () => {
        try {
          if (isKept) {
            await kept.removeOffline(track.id);
            toast(`“${track.title}” is no longer kept offline`);
          } else {
            toast(`Downloading “${track.title}” for offline listening…`);
            await kept.markForOffline(track);
            toast(`“${track.title}” is kept offline`);
          }
        } catch (error) {
          failed('Offline', error);
        }
      },
    });
  }
  if (track.album_id) items.push({ label: 'Go to album', action: () => { location.hash = `#/albums/${track.album_id}`; } });
  if (track.artist_id) items.push({ label: 'Go to artist', action: () => { location.hash = `#/artists/${track.artist_id}`; } });
  if (options.entries) {
    items.push(
      { label: 'Move up', action: () => options.entries.moveBy(options.entryId, -1) },
      { label: 'Move down', action: () => options.entries.moveBy(options.entryId, 1) },
      { label: 'Remove from playlist', action: () => options.entries.remove(options.entryId) },
    );
  }
  return items;
}

function showSaved(button) {
  const saved = library.isSaved('track', button.dataset.trackId);
  button.setAttribute('aria-pressed', String(saved));
  button.textContent = saved ? '♥' : '♡';
  button.title = saved ? 'Saved to your library' : 'Save to your library';
}

// One listener for every save button on the page (rows come and go).
library.addEventListener('saved', (event) => {
  const id = event.detail?.id;
  const selector = id ? `[data-testid=track-save][data-track-id="${CSS.escape(id)}"]` : '[data-testid=track-save]';
  document.querySelectorAll(selector).forEach(showSaved);
});

function saveButton(track) {
  const button = h('button', {
    type: 'button', class: 'icon-button save', 'data-testid': 'track-save',
    'data-track-id': track.id, 'aria-label': `Save ${track.title}`,
  });
  showSaved(button);
  button.addEventListener('click', () => library.toggle('track', track.id).catch((e) => failed('Could not change the library', e)));
  return button;
}

/**
 * One track row. `options.index`, `options.onPlay`; in a playlist,
 * `options.entryId` and `options.entries` (moveBy, remove, drop).
 */
export function trackRow(track, options = {}) {
  const menuButton = h('button', {
    type: 'button', class: 'icon-button', 'data-testid': 'track-menu-button',
    'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': `More actions for ${track.title}`,
  }, icon('more'));
  menuButton.addEventListener('click', async () => openMenu(menuButton, await menuItems(track, options), 'Track actions'));
  const row = h('div', {
    class: 'track-row', role: 'listitem', draggable: 'true', 'data-testid': 'track-row',
    'data-track-id': track.id, 'data-entry-id': options.entryId || null,
  },
  h('span', { class: 'track-index', 'aria-hidden': 'true', text: options.index != null ? String(options.index + 1) : '' }),
  h('button', {
    type: 'button', class: 'icon-button play', 'data-testid': 'track-play', 'aria-label': `Play ${track.title}`,
    onClick: () => options.onPlay?.(),
  }, icon('play')),
  h('span', { class: 'track-main' },
    h('span', { class: 'track-title', 'data-testid': 'track-title', text: track.title }),
    h('span', { class: 'track-sub' },
      track.artist_id ? h('a', { href: `#/artists/${track.artist_id}`, text: track.artist_name }) : track.artist_name,
      track.album ? ' · ' : '',
      track.album_id ? h('a', { href: `#/albums/${track.album_id}`, text: track.album }) : track.album || '')),
  h('span', { class: 'track-duration', text: duration(track.duration_ms) }),
  saveButton(track),
  menuButton);
  row.addEventListener('dblclick', () => options.onPlay?.());
  row.addEventListener('dragstart', (event) => {
    event.dataTransfer.setData(DRAG_TYPE, JSON.stringify([track.id]));
    if (options.entryId) event.dataTransfer.setData('application/x-segue-entry', options.entryId);
    event.dataTransfer.setData('text/plain', `${track.title} — ${track.artist_name}`);
    event.dataTransfer.effectAllowed = 'copyMove';
    row.classList.add('dragging');
  });
  row.addEventListener('dragend', () => row.classList.remove('dragging'));
  if (options.entries) {
    row.addEventListener('dragover', (event) => {
      if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
      event.preventDefault();
      row.classList.add('drop-after');
    });
    row.addEventListener('dragleave', () => row.classList.remove('drop-after'));
    row.addEventListener('drop', (event) => {
      event.preventDefault();
      row.classList.remove('drop-after');
      const entry = event.dataTransfer.getData('application/x-segue-entry');
      const ids = JSON.parse(event.dataTransfer.getData(DRAG_TYPE) || '[]');
      options.entries.drop({ entryId: entry || null, trackIds: ids, after: options.entryId });
    });
  }
  return row;
}

/** A list of rows; playing one queues the whole list from it. */
export function trackList(tracks, { label = 'Tracks', context = null, numbered = false, entries = null } = {}) {
  const list = tracks.map((item, index) => {
    const track = item.track || item;
    return trackRow(track, {
      index: numbered ? index : null,
      entryId: item.track ? item.id : null,
      entries,
      onPlay: () => playList(tracks.map((t) => t.track || t).filter(Boolean), index, context),
    });
  });
  return h('div', { class: 'track-list', role: 'list', 'aria-label': label }, list);
}

/** Make `element` accept dropped track rows: `onTracks(ids)`. */
export function acceptTracks(element, onTracks) {
  element.addEventListener('dragover', (event) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    element.classList.add('drop-target');
  });
  element.addEventListener('dragleave', () => element.classList.remove('drop-target'));
  element.addEventListener('drop', (event) => {
    element.classList.remove('drop-target');
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    if (!raw) return;
    event.preventDefault();
    onTracks(JSON.parse(raw));
  });
}
