// Settings: playback (quality, normalization), privacy, devices, API keys.

import { api } from '../api.js';
import { ago, h } from '../dom.js';
import { player, QUALITIES, QUALITY_LABELS } from '../player.js';
import { failed, toast } from '../ui.js';
import { live } from '../ws.js';

export async function settings() {
  const privacy = await api('/me/privacy').catch(() => null);
  const devices = await api('/me/devices').catch(() => ({ devices: [] }));
  const quality = h('select', { id: 'settings-quality' }, QUALITIES.map((q) => h('option', { value: q, text: QUALITY_LABELS[q], selected: q === player.quality })));
  quality.addEventListener('change', () => player.setQuality(quality.value));
  const normalize = h('input', { type: 'checkbox', id: 'settings-normalize', checked: player.normalize });
  normalize.addEventListener('change', () => player.setNormalize(normalize.checked));
  const sections = [
    h('section', { 'aria-label': 'Playback' },
      h('h2', { text: 'Playback' }),
      h('label', { for: 'settings-quality', text: 'Streaming quality' }), quality,
      h('p', { class: 'hint', text: 'Auto picks the quality from the measured bandwidth and switches without stopping.' }),
      h('label', { class: 'check' }, normalize, 'Normalize loudness (uses each track\'s measured gain)')),
  ];
  if (privacy) {
    const privateBox = h('input', { type: 'checkbox', checked: privacy.private_session });
    const share = h('input', { type: 'checkbox', checked: privacy.publish_activity });
    sections.push(h('section', { 'aria-label': 'Privacy' },
      h('h2', { text: 'Privacy' }),
      h('form', {
        onSubmit: async (event) => {
          event.preventDefault();
          try {
            await api('/me/privacy', { method: 'PUT', body: { private_session: privateBox.checked, private_until: null, publish_activity: share.checked } });
            toast('Privacy settings saved');
          } catch (error) {
            failed('Could not save', error);
          }
        },
      },
      h('label', { class: 'check' }, privateBox, 'Private session'),
      h('label', { class: 'check' }, share, 'Share my listening activity'),
      h('button', { type: 'submit', text: 'Save privacy settings' }))));
  }
  sections.push(h('section', { 'aria-label': 'Devices' },
    h('h2', { text: 'Devices' }),
    h('ul', {}, devices.devices.map((d) => h('li', { text: `${d.name}${d.id === live.deviceId ? ' (this device)' : ''} — seen ${ago(d.last_seen)}` })))));
  return h('div', { class: 'page' }, h('h1', { text: 'Settings' }), sections);
}
