// What the user saved (tracks, albums, artists) and their playlists, kept in
// memory so every save button and "Add to playlist" menu is current.

import { all, api } from './api.js';
import { live } from './ws.js';

class Library extends EventTarget {
  constructor() {
    super();
    this.saved = { track: new Set(), album: new Set(), artist: new Set() };
    this.playlists = [];
    live.on('playlist.updated', () => this.loadPlaylists().catch(() => {}));
    live.on('playlist.deleted', () => this.loadPlaylists().catch(() => {}));
  }

  async load() {
    await Promise.all([this.loadSaved(), this.loadPlaylists()]);
  }

  async loadSaved() {
    await Promise.all(Object.keys(this.saved).map(async (kind) => {
      const items = await all('/library', { kind });
      this.saved[kind] = new Set(items.map((item) => item.id));
    }));
    this.dispatchEvent(new Event('saved'));
  }

  async loadPlaylists() {
    this.playlists = await api('/playlists');
    this.dispatchEvent(new Event('playlists'));
    return this.playlists;
  }

  isSaved(kind, id) {
    return this.saved[kind].has(id);
  }

  /** Save or remove; answers the new state. */
  async toggle(kind, id) {
    const saved = this.isSaved(kind, id);
    if (saved) {
      await api(`/library/${kind}/${encodeURIComponent(id)}`, { method: 'DELETE' });
      this.saved[kind].delete(id);
    } else {
      await api('/library', { method: 'POST', body: { kind, ids: [id] } });
      this.saved[kind].add(id);
    }
    this.dispatchEvent(new CustomEvent('saved', { detail: { kind, id, saved: !saved } }));
    return !saved;
  }

  async createPlaylist(name, trackIds = []) {
    const playlist = await api('/playlists', { method: 'POST', body: { name, track_ids: trackIds } });
    await this.loadPlaylists();
    return playlist;
  }

  async addToPlaylist(playlistId, trackIds) {
    await api(`/playlists/${playlistId}/tracks`, { method: 'POST', body: { track_ids: trackIds, at: 'end' } });
    const playlist = this.playlists.find((p) => p.id === playlistId);
    if (playlist) playlist.entry_count += trackIds.length;
  }

  /** Playlists whose entries this user may change. */
  get editable() {
    return this.playlists.filter((p) => p.can_edit);
  }
}

export const library = new Library();
