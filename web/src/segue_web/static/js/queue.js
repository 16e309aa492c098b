// The play queue lives on the server (shared by all of the user's devices);
// this module mirrors it, caches the track JSON it has seen, and applies
// changes pushed over the WebSocket (`queue.changed`).

import { api } from './api.js';
import { live } from './ws.js';

export const REPEAT_MODES = ['off', 'all', 'one'];

class Queue extends EventTarget {
  constructor() {
    super();
    this.state = { track_ids: [], position: 0, current: null, upcoming: [], shuffle: false, repeat: 'off', version: 0 };
    this.tracks = new Map();
    live.on('queue.changed', (message) => this.apply(message.queue));
  }

  get current() {
    return this.state.current;
  }

  get upcoming() {
    return this.state.upcoming;
  }

  /** The track to prefetch: the next one, or the same one when repeating it. */
  get next() {
    if (this.state.repeat === 'one') return this.state.current;
    if (this.state.upcoming.length) return this.state.upcoming[0];
    if (this.state.repeat === 'all' && this.state.track_ids.length) return this.tracks.get(this.state.track_ids[0]) || null;
    return null;
  }

  remember(tracks) {
    for (const track of tracks) if (track) this.tracks.set(track.id, track);
  }

  apply(state) {
    if (!state || (state.version < this.state.version && state.version !== 0)) return this.state;
    const previous = this.state.current?.id;
    this.state = state;
    this.remember([state.current, ...state.upcoming]);
    this.dispatchEvent(new CustomEvent('change', { detail: { trackChanged: previous !== state.current?.id } }));
    return state;
  }

  async load() {
    return this.apply(await api('/queue'));
  }

  /** The queue as the server would answer it, computed here (offline play). */
  local(trackIds, position, changes = {}) {
    const ids = trackIds.filter((id) => this.tracks.has(id));
    const at = Math.max(0, Math.min(position, ids.length - 1));
    return {
      ...this.state, ...changes, track_ids: ids, position: at, position_ms: 0,
      current: this.tracks.get(ids[at]) || null,
      upcoming: ids.slice(at + 1, at + 51).map((id) => this.tracks.get(id)),
    };
  }

  // Without a network the queue changes here only; the server catches up on the next change.
  async remote(call, fallback) {
    if (!navigator.onLine) return this.apply(fallback());
    try {
      return this.apply(await call());
    } catch (error) {
      if (error.status === 0) return this.apply(fallback());
      throw error;
    }
  }

  step(by) {
    const { track_ids: ids, position, repeat } = this.state;
    if (!ids.length || repeat === 'one') return this.local(ids, position);
    let next = position + by;
    if (repeat === 'all') next = (next + ids.length) % ids.length;
    return this.local(ids, Math.max(0, Math.min(next, ids.length - 1)));
  }

  /** Replace the queue with `tracks` and start at `index` (playing an album, a playlist...). */
  async playTracks(tracks, index = 0, context = null) {
    this.remember(tracks);
    const ids = tracks.map((t) => t.id);
    return this.remote(
      () => api('/queue', { method: 'PUT', body: { track_ids: ids, position: index, shuffle: false, repeat: this.state.repeat, context } }),
      () => this.local(ids, index, { context, shuffle: false }),
    );
  }

  async add(tracks, next = false) {
    this.remember(tracks);
    return this.apply(await api('/queue/tracks', { method: 'POST', body: { track_ids: tracks.map((t) => t.id), next } }));
  }

  async skip() {
    return this.remote(() => api('/queue/next', { method: 'POST' }), () => this.step(1));
  }

  async back() {
    return this.remote(() => api('/queue/previous', { method: 'POST' }), () => this.step(-1));
  }

  async jump(position) {
    return this.remote(
      () => api('/queue', { method: 'PATCH', body: { position, position_ms: 0 } }),
      () => this.local(this.state.track_ids, position),
    );
  }

  async setShuffle(shuffle) {
    return this.patch({ shuffle });
  }

  async cycleRepeat() {
    const mode = REPEAT_MODES[(REPEAT_MODES.indexOf(this.state.repeat) + 1) % REPEAT_MODES.length];
    return this.patch({ repeat: mode });
  }

  async patch(body) {
    return this.apply(await api('/queue', { method: 'PATCH', body }));
  }

  /** Move the upcoming track at `from` to `to` (indexes in `upcoming`). */
  async moveUpcoming(from, to) {
    const ids = [...this.state.track_ids];
    const base = this.state.position + 1;
    const [moved] = ids.splice(base + from, 1);
    ids.splice(base + to, 0, moved);
    return this.replaceIds(ids);
  }

  async removeUpcoming(index) {
    const ids = [...this.state.track_ids];
    ids.splice(this.state.position + 1 + index, 1);
    return this.replaceIds(ids);
  }

  async replaceIds(ids) {
    const { position, shuffle, repeat, context, version } = this.state;
    return this.apply(await api('/queue', {
      method: 'PUT',
      body: { track_ids: ids, position, position_ms: 0, shuffle, repeat, context, base_version: version },
    }));
  }
}

export const queue = new Queue();
