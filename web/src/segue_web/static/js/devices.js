// The device picker: the user's open players; choosing one hands playback over.

import { api } from './api.js';
import { h, ago } from './dom.js';
import { player } from './player.js';
import { live } from './ws.js';
import { failed, toast } from './ui.js';

let open = null;

function close() {
  if (!open) return;
  open.popover.remove();
  open.anchor.setAttribute('aria-expanded', 'false');
  document.removeEventListener('pointerdown', open.outside, true);
  open = null;
}

export async function devicePicker(anchor) {
  if (open) { close(); return; }
  const list = h('ul', { class: 'device-list' }, h('li', { text: 'Looking for devices…' }));
  const popover = h('div', { class: 'popover', role: 'dialog', 'aria-label': 'Devices', 'data-testid': 'device-picker' },
    h('h2', { text: 'Play on' }), list);
  popover.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.stopPropagation(); close(); anchor.focus(); }
  });
  const outside = (event) => { if (!popover.contains(event.target) && !anchor.contains(event.target)) close(); };
  document.addEventListener('pointerdown', outside, true);
  anchor.after(popover);
  anchor.setAttribute('aria-expanded', 'true');
  open = { popover, anchor, outside };
  try {
    const answer = await api('/me/devices');
    const devices = answer.devices;
    if (!devices.length) {
      list.replaceChildren(h('li', { text: 'No device is connected (the live connection is down)' }));
      return;
    }
    list.replaceChildren(...devices.map((device) => {
      const here = device.id === live.deviceId;
      const active = device.id === answer.active_device_id;
      return h('li', {},
        h('button', {
          type: 'button', class: 'device-option', 'data-testid': 'device-option', 'data-device-id': device.id,
          'aria-current': active ? 'true' : null,
          onClick: async () => {
            try {
              if (!player.track && here) { close(); return; }
              await player.transferTo(device.id);
              toast(here ? 'Playing on this device' : `Playing on ${device.name}`);
              close();
            } catch (error) {
              failed('Could not hand playback over', error);
            }
          },
        },
        h('span', { class: 'device-name', text: device.name }),
        h('span', { class: 'device-detail', text: [here ? 'This device' : null, active ? 'playing' : null, `seen ${ago(device.last_seen)}`].filter(Boolean).join(' · ') })));
    }));
    popover.querySelector('button')?.focus();
  } catch (error) {
    list.replaceChildren(h('li', { text: error.status === 503 ? 'Devices need a presence backend on the server' : 'Could not list devices' }));
    if (error.status !== 503) failed('Devices', error);
  }
}
