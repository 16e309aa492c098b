// Playlists: the list with a create form, and one playlist's page: rename,
// collaborative/public, collaborators, entries reordered by drag and drop or
// menu, removed; other people's edits arrive live as `playlist.diff`.

import { all, api, session } from '../api.js';
import { h } from '../dom.js';
import { library } from '../library.js';
import { playList, trackList } from '../tracks.js';
import { cover, dialog, failed, toast } from '../ui.js';
import { live } from '../ws.js';

export async function playlists() {
  const items = await library.loadPlaylists();
  const name = h('input', { type: 'text', 'aria-label': 'New playlist name', placeholder: 'New playlist name', maxlength: '200', required: true });
  const form = h('form', {
    class: 'inline-form',
    onSubmit: async (event) => {
      event.preventDefault();
      try {
        const created = await library.createPlaylist(name.value.trim());
        location.hash = `#/playlists/${created.id}`;
      } catch (error) {
        failed('Could not create the playlist', error);
      }
    },
  }, name, h('button', { type: 'submit', class: 'primary', text: 'Create playlist' }));
  return h('div', { class: 'page' },
    h('h1', { text: 'Playlists' }), form,
    items.length
      ? h('ul', { class: 'playlist-list' }, items.map((p) => h('li', {},
        h('a', { href: `#/playlists/${p.id}`, class: 'playlist-card', 'data-testid': 'playlist-link', 'data-playlist-id': p.id },
          cover(p.cover_urls?.[0], '', 'cover small'),
          h('span', { class: 'card-title', text: p.name }),
          h('span', { class: 'card-detail', text: `${p.entry_count} tracks${p.collaborative ? ' · collaborative' : ''}${p.public ? ' · public' : ''}` })))))
      : h('p', { class: 'empty', text: 'No playlists yet.' }));
}

/** Apply a live diff's ops to `entries` (see docs/playlists.md). */
export function applyDiff(entries, ops) {
  const result = [...entries];
  const indexAfter = (after) => (after == null ? 0 : result.findIndex((e) => e.id === after) + 1);
  for (const op of ops) {
    if (op.op === 'insert') {
      const at = indexAfter(op.after);
      if (op.after != null && at === 0) return null;
      result.splice(at, 0, ...op.entries.map((e) => ({ ...e, track: null })));
    } else if (op.op === 'remove') {
      for (const id of op.entry_ids) {
        const i = result.findIndex((e) => e.id === id);
        if (i >= 0) result.splice(i, 1);
      }
    } else if (op.op === 'move') {
      const i = result.findIndex((e) => e.id === op.entry_id);
      if (i < 0) return null;
      const [moved] = result.splice(i, 1);
      const at = indexAfter(op.after);
      if (op.after != null && at === 0) return null;
      result.splice(at, 0, moved);
    }
  }
  return result;
}

export async function playlist({ params, isCurrent }) {
  const id = encodeURIComponent(params.id);
  let info = await api(`/playlists/${id}`);
  let entries = [];
  let version = 0;
  const root = h('div', { class: 'page', 'data-playlist-id': info.id });
  const header = h('header', { class: 'hero' });
  const body = h('div', {});
  const mine = () => info.owner_id === session.user?.id;

  const load = async () => {
    const first = await api(`/playlists/${id}/tracks`, { params: { limit: 500 } });
    let rows = first.items;
    if (first.total > rows.length) rows = rows.concat(await all(`/playlists/${id}/tracks`, {}, 10_000).then((r) => r.slice(rows.length)));
    entries = rows;
    version = first.version;
    renderEntries();
  };
  const edit = async (what, call) => {
    try {
      await call();
      await load();
    } catch (error) {
      failed(what, error);
      if (error.status === 409) await load();
    }
  };
  const controller = {
    moveBy: (entryId, delta) => {
      const i = entries.findIndex((e) => e.id === entryId);
      const target = i + delta;
      if (i < 0 || target < 0 || target >= entries.length) return undefined;
      const after = delta < 0 ? (entries[target - 1]?.id ?? null) : entries[target].id;
      return edit('Could not move', () => api(`/playlists/${id}/tracks/${entryId}/move`, { method: 'POST', body: { after, base_version: version } }));
    },
    remove: (entryId) => edit('Could not remove', () => api(`/playlists/${id}/tracks/${entryId}`, { method: 'DELETE' })),
    drop: ({ entryId, trackIds, after }) => {
      if (entryId) {
        if (entryId === after) return undefined;
        return edit('Could not move', () => api(`/playlists/${id}/tracks/${entryId}/move`, { method: 'POST', body: { after, base_version: version } }));
      }
      return edit('Could not add', () => api(`/playlists/${id}/tracks`, { method: 'POST', body: { track_ids: trackIds, after, base_version: version } }));
    },
  };

  function renderEntries() {
    body.replaceChildren(
      h('p', { class: 'detail', 'data-testid': 'playlist-count', text: `${entries.length} tracks · version ${version}` }),
      entries.length
        ? trackList(entries, { label: `Tracks of ${info.name}`, context: `playlist:${info.id}`, numbered: true, entries: info.can_edit ? controller : null })
        : h('p', { class: 'empty', text: 'No tracks yet: use “Add to playlist…” in a track menu, or drag tracks onto the playlist in the sidebar.' }));
    root.dataset.version = String(version);
  }

  async function renderHeader() {
    const nameHeading = h('h1', { 'data-testid': 'playlist-name', text: info.name });
    const actions = h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', text: 'Play playlist', onClick: () => playList(entries.map((e) => e.track).filter(Boolean), 0, `playlist:${info.id}`) }));
    const owner = [];
    if (mine()) {
      actions.append(
        h('button', { type: 'button', text: 'Rename', onClick: () => renameForm(nameHeading) }),
        h('button', { type: 'button', text: 'Delete playlist', onClick: confirmDelete }));
      const flag = (label, key) => {
        const box = h('input', { type: 'checkbox', checked: info[key] });
        box.addEventListener('change', async () => {
          try {
            info = await api(`/playlists/${id}`, { method: 'PATCH', body: { [key]: box.checked } });
            library.loadPlaylists().catch(() => {});
          } catch (error) {
            box.checked = !box.checked;
            failed(`Could not change ${label.toLowerCase()}`, error);
          }
        });
        return h('label', { class: 'check' }, box, label);
      };
      owner.push(flag('Collaborative', 'collaborative'), flag('Public', 'public'));
      const friends = await api('/friends').catch(() => []);
      if (friends.length) {
        const pick = h('select', { 'aria-label': 'Add a collaborator' },
          friends.filter((f) => !info.collaborators.includes(f.user_id)).map((f) => h('option', { value: f.user_id, text: f.name })));
        owner.push(h('form', {
          class: 'inline-form',
          onSubmit: async (event) => {
            event.preventDefault();
            if (!pick.value) return;
            try {
              info = await api(`/playlists/${id}/collaborators/${pick.value}`, { method: 'PUT' });
              toast('Collaborator added');
              await renderHeader();
            } catch (error) {
              failed('Could not add the collaborator', error);
            }
          },
        }, pick, h('button', { type: 'submit', text: 'Add' })));
      }
    } else if (info.public) {
      actions.append(h('button', {
        type: 'button', 'aria-pressed': String(info.following), text: info.following ? 'Following' : 'Follow',
        onClick: async () => {
          try {
            info = await api(`/playlists/${id}/followers/me`, { method: info.following ? 'DELETE' : 'PUT' });
            library.loadPlaylists().catch(() => {});
            await renderHeader();
          } catch (error) {
            failed('Could not follow', error);
          }
        },
      }));
    }
    const collaborators = info.collaborators.length ? h('p', { class: 'detail', text: `${info.collaborators.length} collaborator(s)` }) : null;
    header.replaceChildren(
      cover(info.cover_urls?.[0], `Cover of ${info.name}`, 'cover large'),
      h('div', {},
        h('p', { class: 'kicker', text: `Playlist${info.collaborative ? ' · collaborative' : ''}${info.public ? ' · public' : ''}` }),
        nameHeading,
        info.description ? h('p', { text: info.description }) : null,
        collaborators, actions, h('div', { class: 'owner-controls' }, owner)));
  }

  function renameForm(heading) {
    const input = h('input', { type: 'text', value: info.name, 'aria-label': 'Playlist name', maxlength: '200', required: true });
    const form = h('form', {
      class: 'inline-form',
      onSubmit: async (event) => {
        event.preventDefault();
        try {
          info = await api(`/playlists/${id}`, { method: 'PATCH', body: { name: input.value.trim(), base_version: info.version } });
          library.loadPlaylists().catch(() => {});
          await renderHeader();
        } catch (error) {
          failed('Could not rename', error);
        }
      },
    }, input, h('button', { type: 'submit', class: 'primary', text: 'Save' }), h('button', { type: 'button', text: 'Cancel', onClick: () => renderHeader() }));
    heading.replaceWith(form);
    input.select();
  }

  function confirmDelete() {
    dialog('Delete playlist', (close) => h('div', {},
      h('p', { text: `Delete “${info.name}” for everyone? This cannot be undone.` }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', text: 'Cancel', onClick: close }),
        h('button', {
          type: 'button', class: 'danger', text: 'Delete',
          onClick: async () => {
            try {
              await api(`/playlists/${id}`, { method: 'DELETE' });
              close();
              await library.loadPlaylists();
              location.hash = '#/playlists';
            } catch (error) {
              failed('Could not delete', error);
            }
          },
        }))));
  }

  // Live updates while this page is shown; listeners go away with it.
  const offs = [];
  const alive = () => root.isConnected || !isCurrent || isCurrent();
  const stop = () => offs.splice(0).forEach((off) => off());
  offs.push(live.on('playlist.diff', async (message) => {
    if (!root.isConnected && !isCurrent()) { stop(); return; }
    if (message.playlist_id !== info.id || message.version <= version) return;
    const next = message.base_version === version ? applyDiff(entries, message.diff) : null;
    if (!next || next.some((e) => !e.track)) {
      await load().catch(() => {});
      return;
    }
    entries = next;
    version = message.version;
    renderEntries();
  }));
  offs.push(live.on('playlist.updated', async (message) => {
    if (!alive()) { stop(); return; }
    if (message.playlist?.id !== info.id) return;
    info = { ...info, ...message.playlist };
    await renderHeader();
  }));
  offs.push(live.on('playlist.deleted', (message) => {
    if (message.playlist_id !== info.id) return;
    stop();
    if (root.isConnected) { toast('This playlist was deleted'); location.hash = '#/playlists'; }
  }));
  const onDrop = (event) => { if (event.detail.id === info.id && root.isConnected) load().catch(() => {}); };
  window.addEventListener('segue:playlist-changed', onDrop);
  offs.push(() => window.removeEventListener('segue:playlist-changed', onDrop));
  const onHash = () => { if (!location.hash.startsWith(`#/playlists/${params.id}`)) { stop(); window.removeEventListener('hashchange', onHash); } };
  window.addEventListener('hashchange', onHash);

  await Promise.all([renderHeader(), load()]);
  root.append(header, body);
  return root;
}
