// Playback: two <audio> elements, one playing and one holding the next track
// (prefetched, so track changes are near gapless, and reused to switch
// quality without stopping). Loudness normalization applies each track's
// gain (track JSON `extra.loudness.track_gain_db`) through WebAudio.
// The player reports its state to the server, sends playback reports and
// obeys remote commands from the user's other devices.

import { api, withToken } from './api.js';
import { bandwidth, tierFor } from './bandwidth.js';
import { queue } from './queue.js';
import { live } from './ws.js';

export const QUALITIES = ['auto', 'low', 'normal', 'high', 'very_high', 'original'];
export const QUALITY_LABELS = {
  auto: 'Auto', low: 'Low (64 kbps)', normal: 'Normal (96 kbps)', high: 'High (160 kbps)',
  very_high: 'Very high (320 kbps)', original: 'Original file',
};
const STATE_EVERY_MS = 15_000;
const SWITCH_TIMEOUT_MS = 10_000;

function gainDb(track) {
  const loudness = track?.extra?.loudness;
  if (loudness && typeof loudness.track_gain_db === 'number') return loudness.track_gain_db;
  return typeof track?.replaygain_track_gain === 'number' ? track.replaygain_track_gain : 0;
}

function newAudio(slot) {
  const audio = document.createElement('audio');
  audio.preload = 'auto';
  audio.dataset.testid = `audio-${slot}`;
  audio.hidden = true;
  document.body.append(audio);
  return audio;
}

class Player extends EventTarget {
  constructor() {
    super();
    this.elements = [];
    this.tracks = [null, null];
    this.active = 0;
    this.track = null;
    this.volume = Number(localStorage.getItem('segue.volume') ?? 0.8);
    this.quality = localStorage.getItem('segue.quality') || 'auto';
    this.normalize = localStorage.getItem('segue.normalize') !== 'off';
    this.context = null;
    this.gains = [];
    this.master = null;
    this.listenedMs = 0;
    this.lastTime = 0;
    this.sessionId = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    this.stateTimer = 0;
    this.switching = null;
    this.oggSupport = undefined;
    this.loadToken = 0;
  }

  /** Create the audio elements and wire events (once, after login). */
  init() {
    if (this.elements.length) return;
    this.elements = [newAudio(0), newAudio(1)];
    this.elements.forEach((audio, slot) => {
      const ifActive = (fn) => (event) => { if (slot === this.active) fn(event); };
      audio.addEventListener('timeupdate', ifActive(() => this.onTime()));
      audio.addEventListener('play', ifActive(() => this.emit('state')));
      audio.addEventListener('pause', ifActive(() => this.emit('state')));
      audio.addEventListener('playing', ifActive(() => this.prefetch()));
      audio.addEventListener('durationchange', ifActive(() => this.emit('time')));
      audio.addEventListener('ended', ifActive(() => this.onEnded()));
      audio.addEventListener('error', ifActive(() => this.onError()));
    });
    live.on('player.command', (message) => this.obey(message));
    // One device plays at a time: another of the user's devices started, so this one stops.
    live.on('player.state', (message) => {
      const state = message.state || {};
      if (live.deviceId && state.device_id && state.device_id !== live.deviceId && !state.paused && !this.paused) {
        this.pause({ report: false });
      }
    });
    queue.addEventListener('change', () => this.prefetch());
    // Closing the tab still reports what was heard (keepalive outlives the page).
    window.addEventListener('pagehide', () => this.finishListen(false, { keepalive: true }));
    this.setupMediaSession();
  }

  get audio() { return this.elements[this.active]; }

  get spare() { return this.elements[1 - this.active]; }

  get paused() { return !this.audio || this.audio.paused; }

  get positionMs() { return this.audio ? Math.round(this.audio.currentTime * 1000) : 0; }

  get durationMs() {
    const d = this.audio?.duration;
    return Number.isFinite(d) && d > 0 ? Math.round(d * 1000) : this.track?.duration_ms || 0;
  }

  /** What plays: the choice, and the tier the server serves for it. */
  get qualityInUse() {
    return this.audio?.dataset.tier || this.wantedTier;
  }

  /** The tier the current choice asks for now (auto: from the bandwidth estimate). */
  get wantedTier() {
    if (this.quality === 'original' || !this.canPlayOgg) return 'original';
    if (this.quality === 'auto') return tierFor(bandwidth.estimate);
    return this.quality;
  }

  /** Point `audio` at `track`'s stream in the current quality. */
  setSource(audio, track) {
    audio.src = this.streamUrl(track);
    audio.dataset.key = this.sourceKey(track);
    audio.dataset.tier = this.wantedTier;
  }

  sourceKey(track) {
    return `${track.id}|${this.quality}|${this.wantedTier}`;
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Transcoded streams are Ogg Vorbis; a browser without it gets the original files. */
  get canPlayOgg() {
    if (this.oggSupport === undefined) {
      this.oggSupport = document.createElement('audio').canPlayType('audio/ogg; codecs="vorbis"') !== '';
    }
    return this.oggSupport;
  }

  streamUrl(track, quality = this.quality) {
    if (quality === 'original' || !this.canPlayOgg) return withToken(track.stream_url);
    const params = { format: 'ogg', quality };
    if (quality === 'auto' && bandwidth.estimate) params.bandwidth = bandwidth.estimate;
    return withToken(track.stream_url, params);
  }

  // WebAudio is created on the first play (browsers need a user gesture for it).
  ensureGraph() {
    if (this.context || !window.AudioContext) return;
    try {
      this.context = new AudioContext();
      this.master = this.context.createGain();
      this.master.connect(this.context.destination);
      this.gains = this.elements.map((audio) => {
        const gain = this.context.createGain();
        this.context.createMediaElementSource(audio).connect(gain).connect(this.master);
        return gain;
      });
    } catch {
      this.context = null;
    }
    this.applyGain();
  }

  applyGain() {
    this.elements.forEach((audio, slot) => {
      const linear = this.normalize ? 10 ** (gainDb(this.tracks[slot]) / 20) : 1;
      if (this.context) {
        this.gains[slot].gain.value = linear;
        audio.volume = 1;
      } else {
        audio.volume = Math.min(1, Math.max(0, this.volume * linear));
      }
    });
    if (this.master) this.master.gain.value = this.volume;
  }

  /** The gain applied to the current track, in dB (0 with normalization off). */
  get appliedGainDb() {
    return this.normalize ? gainDb(this.track) : 0;
  }

  /** Play `track` now (its queue is managed by the caller). */
  async load(track, { positionMs = 0, autoplay = true, report = true } = {}) {
    this.init();
    this.finishListen(false);
    this.cancelSwitch();
    // The first auto stream waits for a measurement (a short read) rather than start at a guess.
    const token = ++this.loadToken;
    if (this.quality === 'auto' && !bandwidth.estimate && this.canPlayOgg) await bandwidth.probe(track, true);
    if (token !== this.loadToken) return; // a later load won while this one waited
    const reuse = this.tracks[1 - this.active]?.id === track.id && this.spare.dataset.key === this.sourceKey(track);
    const previous = this.audio;
    if (reuse) {
      this.active = 1 - this.active;
    } else {
      this.setSource(this.audio, track);
    }
    if (previous !== this.audio) previous.pause();
    this.tracks[this.active] = track;
    this.track = track;
    this.audio.currentTime = positionMs / 1000;
    this.lastTime = positionMs / 1000;
    this.applyGain();
    this.emit('track', { track });
    this.emit('quality');
    this.updateMediaSession();
    if (autoplay) await this.play({ report });
    else this.emit('state');
    bandwidth.probe(track).then(() => {
      // Auto follows the measured bandwidth: switch (without stopping) when the tier changed.
      if (this.quality === 'auto' && this.track === track && this.audio.dataset.tier !== this.wantedTier) this.switchStream();
      this.emit('quality');
    });
  }

  async play({ report = true } = {}) {
    if (!this.track) {
      if (queue.current) return this.load(queue.current);
      return undefined;
    }
    this.ensureGraph();
    if (this.context?.state === 'suspended') this.context.resume().catch(() => {});
    try {
      await this.audio.play();
    } catch (error) {
      // Autoplay refused or the source failed: stay paused, the UI shows why.
      if (error.name === 'NotAllowedError') this.emit('notice', { message: 'Press play to start playback' });
      this.emit('state');
      return undefined;
    }
    if (report) this.reportState();
    clearInterval(this.stateTimer);
    this.stateTimer = setInterval(() => { if (!this.paused) this.reportState(); }, STATE_EVERY_MS);
    return undefined;
  }

  pause({ report = true } = {}) {
    this.audio?.pause();
    clearInterval(this.stateTimer);
    if (report && this.track) this.reportState();
  }

  toggle() {
    return this.paused ? this.play() : this.pause();
  }

  seek(ms, { report = true } = {}) {
    if (!this.audio || !this.track) return;
    const target = Math.max(0, Math.min(ms, this.durationMs || ms));
    this.audio.currentTime = target / 1000;
    this.lastTime = target / 1000;
    this.emit('time');
    if (report) this.reportState();
  }

  seekBy(deltaMs) {
    this.seek(this.positionMs + deltaMs);
  }

  setVolume(value) {
    this.volume = Math.min(1, Math.max(0, value));
    localStorage.setItem('segue.volume', String(this.volume));
    this.applyGain();
    this.emit('volume');
  }

  setNormalize(on) {
    this.normalize = on;
    localStorage.setItem('segue.normalize', on ? 'on' : 'off');
    this.applyGain();
    this.emit('quality');
  }

  /** Switch quality without stopping: the spare element loads the new stream at the same spot. */
  async setQuality(quality) {
    if (!QUALITIES.includes(quality)) return;
    this.quality = quality;
    localStorage.setItem('segue.quality', quality);
    if (quality === 'auto') await bandwidth.probe(this.track, true);
    this.emit('quality');
    this.switchStream();
  }

  /** Load the current track in the current quality beside the playing one; swap at the same spot. */
  switchStream() {
    if (!this.track || !this.audio.src) return;
    if (this.audio.dataset.key === this.sourceKey(this.track)) return;
    const spare = this.spare;
    const slot = 1 - this.active;
    this.cancelSwitch();
    this.setSource(spare, this.track);
    this.tracks[slot] = this.track;
    spare.currentTime = this.audio.currentTime;
    this.applyGain();
    const done = () => {
      this.cancelSwitch();
      const old = this.audio;
      spare.currentTime = old.currentTime;
      const playing = !old.paused;
      this.active = slot;
      old.pause();
      if (playing) spare.play().catch(() => this.emit('state'));
      this.emit('quality');
      this.prefetch();
    };
    const timer = setTimeout(() => {
      this.cancelSwitch();
      this.emit('notice', { message: 'The new quality did not load in time; keeping the current one' });
      this.prefetch();
    }, SWITCH_TIMEOUT_MS);
    spare.addEventListener('canplay', done, { once: true });
    this.switching = { spare, done, timer };
  }

  cancelSwitch() {
    if (!this.switching) return;
    clearTimeout(this.switching.timer);
    this.switching.spare.removeEventListener('canplay', this.switching.done);
    this.switching = null;
  }

  /** Load the next track into the spare element so it starts at once. */
  prefetch() {
    if (!this.track || this.switching || this.elements.length === 0) return;
    const next = queue.next;
    if (!next || next.id === this.track.id) return;
    if (this.spare.dataset.key === this.sourceKey(next)) return;
    this.setSource(this.spare, next);
    this.tracks[1 - this.active] = next;
    this.spare.load();
    this.applyGain();
  }

  async next() {
    const { upcoming, repeat, position } = queue.state;
    if (!upcoming.length && repeat !== 'all') {
      this.pause();
      return;
    }
    // "Next" skips even when repeating one track (the server would restart it).
    const state = repeat === 'one' && upcoming.length ? await queue.jump(position + 1) : await queue.skip();
    if (state.current) await this.load(state.current);
  }

  async previous() {
    if (this.positionMs > 3000 || queue.state.position === 0) {
      this.seek(0);
      return;
    }
    const state = await queue.back();
    if (state.current) await this.load(state.current);
  }

  onTime() {
    const now = this.audio.currentTime;
    const delta = now - this.lastTime;
    // Only continuous playback counts as listening (not seeks).
    if (delta > 0 && delta < 2) this.listenedMs += delta * 1000;
    this.lastTime = now;
    this.emit('time');
  }

  async onEnded() {
    this.finishListen(true);
    if (queue.state.repeat === 'one') {
      this.audio.currentTime = 0;
      this.lastTime = 0;
      await this.play();
      return;
    }
    try {
      await this.next();
    } catch (error) {
      this.emit('notice', { message: `Could not go on to the next track: ${error.message}` });
    }
  }

  onError() {
    const code = this.audio.error?.code;
    const reason = code === 4 ? 'the format is not supported or the file is unreadable' : 'a network or decoding error';
    this.emit('notice', { message: `Could not play “${this.track?.title}”: ${reason}` });
    this.emit('state');
  }

  /** Send a playback report for the track being left (once it was heard a little). */
  finishListen(completed, { keepalive = false } = {}) {
    const track = this.track;
    const listened = Math.round(this.listenedMs);
    this.listenedMs = 0;
    if (!track || listened < 1000 || !navigator.onLine) return;
    api('/playback/report', {
      method: 'POST',
      body: {
        track_id: track.id,
        duration_listened_ms: listened,
        completed,
        device_id: live.deviceId || 'web',
        session_id: this.sessionId,
        quality: this.qualityInUse,
        context: queue.state.context || null,
      },
      keepalive,
    }).catch(() => {});
  }

  reportState() {
    if (!this.track || !navigator.onLine) return;
    const state = {
      track_id: this.track.id,
      position_ms: this.positionMs,
      paused: this.paused,
      queue: queue.upcoming.slice(0, 100).map((t) => t.id),
      volume: Math.round(this.volume * 100),
    };
    if (live.send({ type: 'player.state', ...state })) return;
    api('/me/player/state', { method: 'PUT', body: { ...state, device_id: live.deviceId } }).catch(() => {});
  }

  async trackById(id) {
    return queue.tracks.get(id) || api(`/tracks/${encodeURIComponent(id)}`);
  }

  /** Remote commands from the user's other devices (sent to this device only). */
  async obey(message) {
    if (message.device_id && live.deviceId && message.device_id !== live.deviceId) return;
    const state = message.state || {};
    try {
      switch (message.command) {
        case 'transfer': {
          if (!state.track_id) return;
          await queue.load();
          const track = await this.trackById(state.track_id);
          await this.load(track, { positionMs: state.position_ms || 0, autoplay: !state.paused });
          if (typeof state.volume === 'number') this.setVolume(state.volume / 100);
          break;
        }
        case 'stop': this.pause({ report: false }); break;
        case 'play': await this.play(); break;
        case 'pause': this.pause(); break;
        case 'seek': this.seek(message.position_ms ?? state.position_ms ?? 0); break;
        case 'next': await this.next(); break;
        case 'previous': this.seek(0); break;
        case 'volume': this.setVolume((message.volume ?? state.volume ?? 100) / 100); break;
        default: break;
      }
    } catch (error) {
      this.emit('notice', { message: `Remote command “${message.command}” failed: ${error.message}` });
    }
    this.emit('remote', { command: message.command });
  }

  /** Hand playback to another device (or take it here). */
  async transferTo(deviceId) {
    await api('/me/player', { method: 'PUT', body: { device_id: deviceId, play: true } });
    if (deviceId !== live.deviceId) this.pause({ report: false });
  }

  setupMediaSession() {
    if (!('mediaSession' in navigator)) return;
    const handlers = {
      play: () => this.play(), pause: () => this.pause(),
      nexttrack: () => this.next(), previoustrack: () => this.previous(),
      seekto: (details) => this.seek(details.seekTime * 1000),
    };
    for (const [action, fn] of Object.entries(handlers)) {
      try {
        navigator.mediaSession.setActionHandler(action, fn);
      } catch {
        // Not every browser knows every action.
      }
    }
  }

  updateMediaSession() {
    if (!('mediaSession' in navigator) || !window.MediaMetadata || !this.track) return;
    const t = this.track;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: t.title, artist: t.artist_name || '', album: t.album || '',
      artwork: t.cover_url && navigator.onLine ? [{ src: withToken(t.cover_url) }] : [],
    });
  }
}

export const player = new Player();
