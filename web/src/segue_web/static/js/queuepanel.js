// The queue panel: the current track and what comes next, reordered by drag
// and drop or with the Move up / Move down buttons (keyboard friendly).

import { h, duration } from './dom.js';
import { icon } from './icons.js';
import { player } from './player.js';
import { queue } from './queue.js';
import { failed } from './ui.js';

const QUEUE_DRAG = 'application/x-segue-queue-index';

function item(track, index, count) {
  const row = h('li', { class: 'queue-item', 'data-testid': 'queue-item', 'data-track-id': track.id, draggable: 'true' },
    h('button', {
      type: 'button', class: 'queue-play', 'aria-label': `Play ${track.title}`,
      onClick: async () => {
        try {
          const state = await queue.jump(queue.state.position + 1 + index);
          if (state.current) await player.load(state.current);
        } catch (error) {
          failed('Could not play', error);
        }
      },
    }, h('span', { class: 'track-title', text: track.title }), h('span', { class: 'track-sub', text: `${track.artist_name} · ${duration(track.duration_ms)}` })),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': `Move up ${track.title}`, disabled: index === 0, onClick: () => queue.moveUpcoming(index, index - 1).catch((e) => failed('Reorder', e)) }, icon('up')),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': `Move down ${track.title}`, disabled: index === count - 1, onClick: () => queue.moveUpcoming(index, index + 1).catch((e) => failed('Reorder', e)) }, icon('down')),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': `Remove from queue ${track.title}`, onClick: () => queue.removeUpcoming(index).catch((e) => failed('Remove', e)) }, icon('close')));
  row.addEventListener('dragstart', (event) => {
    event.dataTransfer.setData(QUEUE_DRAG, String(index));
    event.dataTransfer.effectAllowed = 'move';
  });
  row.addEventListener('dragover', (event) => {
    if (!event.dataTransfer.types.includes(QUEUE_DRAG)) return;
    event.preventDefault();
    row.classList.add('drop-after');
  });
  row.addEventListener('dragleave', () => row.classList.remove('drop-after'));
  row.addEventListener('drop', (event) => {
    event.preventDefault();
    row.classList.remove('drop-after');
    const from = Number(event.dataTransfer.getData(QUEUE_DRAG));
    if (Number.isInteger(from) && from !== index) queue.moveUpcoming(from, index).catch((e) => failed('Reorder', e));
  });
  return row;
}

export function queuePanel() {
  const current = h('div', { class: 'queue-current', 'data-testid': 'queue-current' });
  const list = h('ol', { class: 'queue-list', 'aria-label': 'Next up' });
  const panel = h('section', {
    id: 'queue-panel', class: 'queue-panel', role: 'region', 'aria-label': 'Queue', 'data-testid': 'queue-panel', hidden: true, tabindex: '-1',
  },
  h('h2', { text: 'Queue' }), h('h3', { text: 'Now playing' }), current, h('h3', { text: 'Next up' }), list);
  const show = () => {
    const c = queue.current;
    current.textContent = c ? `${c.title} — ${c.artist_name}` : 'Nothing';
    const upcoming = queue.upcoming;
    list.replaceChildren(...(upcoming.length ? upcoming.map((t, i) => item(t, i, upcoming.length)) : [h('li', { class: 'empty', text: 'The queue is empty' })]));
  };
  queue.addEventListener('change', show);
  show();
  return panel;
}
