// The now-playing bar: transport, seek, volume, quality, normalization,
// and the buttons opening the queue panel and the device picker.

import { h, duration } from './dom.js';
import { icon } from './icons.js';
import { bandwidth } from './bandwidth.js';
import { devicePicker } from './devices.js';
import { player, QUALITIES, QUALITY_LABELS } from './player.js';
import { queue } from './queue.js';
import { queuePanel } from './queuepanel.js';
import { cover, failed } from './ui.js';

export function playerBar() {
  const art = h('div', { class: 'now-cover' });
  const title = h('span', { class: 'now-title', 'data-testid': 'now-playing-title', text: 'Nothing playing' });
  const artist = h('span', { class: 'now-artist', 'data-testid': 'now-playing-artist' });
  const playPause = h('button', { type: 'button', class: 'icon-button big', 'data-testid': 'play-pause', 'aria-label': 'Play', 'data-state': 'paused' }, icon('play'));
  const prev = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Previous', 'data-testid': 'previous' }, icon('previous'));
  const next = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Next', 'data-testid': 'next' }, icon('next'));
  const shuffle = h('button', { type: 'button', class: 'icon-button toggle', 'aria-label': 'Shuffle', 'data-testid': 'shuffle', 'aria-pressed': 'false' }, icon('shuffle'));
  const repeat = h('button', { type: 'button', class: 'icon-button toggle', 'aria-label': 'Repeat: off', 'data-testid': 'repeat', 'data-mode': 'off' }, icon('repeat'));
  const elapsed = h('span', { class: 'time', 'data-testid': 'time-elapsed', text: '0:00' });
  const total = h('span', { class: 'time', 'data-testid': 'time-total', text: '0:00' });
  const seek = h('input', { type: 'range', class: 'seek', 'aria-label': 'Seek', 'data-testid': 'seek', min: '0', max: '0', step: '1', value: '0' });
  const volume = h('input', { type: 'range', class: 'volume', 'aria-label': 'Volume', 'data-testid': 'volume', min: '0', max: '100', step: '1', value: String(Math.round(player.volume * 100)) });
  const quality = h('select', { 'aria-label': 'Quality', 'data-testid': 'quality-select' },
    QUALITIES.map((q) => h('option', { value: q, text: QUALITY_LABELS[q], selected: q === player.quality })));
  const inUse = h('span', { class: 'quality-in-use', 'data-testid': 'quality-in-use', title: 'Quality in use' });
  const normalize = h('input', { type: 'checkbox', 'data-testid': 'normalize', checked: player.normalize });
  const queueButton = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Queue', 'data-testid': 'queue-button', 'aria-expanded': 'false', 'aria-controls': 'queue-panel' }, icon('queue'));
  const devicesButton = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Devices', 'data-testid': 'devices-button', 'aria-expanded': 'false', 'aria-haspopup': 'dialog' }, icon('devices'));
  const panel = queuePanel();

  let seeking = false;
  const showTime = () => {
    const d = player.durationMs;
    seek.max = String(Math.max(0, Math.round(d / 1000)));
    if (!seeking) seek.value = String(Math.round(player.positionMs / 1000));
    seek.setAttribute('aria-valuetext', `${duration(player.positionMs)} of ${duration(d)}`);
    elapsed.textContent = duration(player.positionMs);
    total.textContent = duration(d);
  };
  const showState = () => {
    const playing = !player.paused;
    playPause.dataset.state = playing ? 'playing' : 'paused';
    playPause.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    playPause.replaceChildren(icon(playing ? 'pause' : 'play'));
  };
  const showTrack = () => {
    const t = player.track;
    title.textContent = t ? t.title : 'Nothing playing';
    artist.textContent = t ? [t.artist_name, t.album].filter(Boolean).join(' · ') : '';
    art.replaceChildren(cover(t?.cover_url, t ? `Cover of ${t.album || t.title}` : '', 'cover small'));
    document.title = t ? `${t.title} · ${t.artist_name} — Segue` : 'Segue';
    showTime();
  };
  const showQuality = () => {
    const tier = player.qualityInUse;
    inUse.dataset.quality = tier;
    const gain = player.appliedGainDb;
    const auto = player.quality === 'auto' ? `auto${bandwidth.estimate ? ` at ${bandwidth.estimate} kbps` : ''}: ` : '';
    inUse.replaceChildren(h('span', { class: 'quality-detail', text: auto }), tier.replace('_', ' '));
    inUse.title = `Quality in use: ${tier}${player.normalize ? `, loudness gain ${gain.toFixed(1)} dB` : ''}`;
    quality.value = player.quality;
  };
  const showQueue = () => {
    shuffle.setAttribute('aria-pressed', String(queue.state.shuffle));
    repeat.dataset.mode = queue.state.repeat;
    repeat.setAttribute('aria-label', `Repeat: ${queue.state.repeat}`);
    repeat.replaceChildren(icon(queue.state.repeat === 'one' ? 'repeatOne' : 'repeat'));
  };

  playPause.addEventListener('click', () => player.toggle());
  prev.addEventListener('click', () => player.previous().catch((e) => failed('Previous', e)));
  next.addEventListener('click', () => player.next().catch((e) => failed('Next', e)));
  shuffle.addEventListener('click', () => queue.setShuffle(!queue.state.shuffle).catch((e) => failed('Shuffle', e)));
  repeat.addEventListener('click', () => queue.cycleRepeat().catch((e) => failed('Repeat', e)));
  seek.addEventListener('input', () => { seeking = true; elapsed.textContent = duration(Number(seek.value) * 1000); });
  seek.addEventListener('change', () => { seeking = false; player.seek(Number(seek.value) * 1000); });
  volume.addEventListener('input', () => player.setVolume(Number(volume.value) / 100));
  quality.addEventListener('change', () => player.setQuality(quality.value));
  normalize.addEventListener('change', () => player.setNormalize(normalize.checked));
  queueButton.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    queueButton.setAttribute('aria-expanded', String(open));
    if (open) panel.focus();
  });
  devicesButton.addEventListener('click', () => devicePicker(devicesButton));

  player.addEventListener('time', showTime);
  player.addEventListener('state', showState);
  player.addEventListener('track', showTrack);
  player.addEventListener('quality', showQuality);
  player.addEventListener('volume', () => { volume.value = String(Math.round(player.volume * 100)); });
  queue.addEventListener('change', showQueue);
  showTrack();
  showState();
  showQuality();
  showQueue();

  return h('section', { class: 'player', role: 'region', 'aria-label': 'Player', 'data-testid': 'player' },
    h('div', { class: 'now' }, art, h('div', { class: 'now-text' }, title, artist)),
    h('div', { class: 'transport' },
      h('div', { class: 'buttons' }, shuffle, prev, playPause, next, repeat),
      h('div', { class: 'progress' }, elapsed, seek, total)),
    h('div', { class: 'extras' },
      h('label', { class: 'volume-label' }, h('span', { class: 'visually-hidden', text: 'Volume' }), volume),
      h('label', { class: 'quality' }, h('span', { class: 'visually-hidden', text: 'Quality' }), quality),
      inUse,
      h('label', { class: 'normalize' }, normalize, h('span', { text: 'Normalize loudness' })),
      queueButton, devicesButton),
    panel);
}
