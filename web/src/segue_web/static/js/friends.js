// The friends sidebar: what each friend plays, updated live over the
// WebSocket; the private-session switch and privacy settings in one click;
// friend requests.

import { api, session } from './api.js';
import { ago, h } from './dom.js';
import { live } from './ws.js';
import { dialog, failed, toast } from './ui.js';

function entryView(entry) {
  const playing = entry.now_playing;
  const last = playing ? playing.track : entry.recent?.[0]?.track;
  const when = playing ? 'now' : ago(entry.at);
  return h('li', { class: 'friend', 'data-testid': 'friend-entry', 'data-user-id': entry.user_id },
    h('span', { class: 'friend-avatar', 'aria-hidden': 'true', text: entry.name.slice(0, 1).toUpperCase() }),
    h('span', { class: 'friend-text' },
      h('span', { class: 'friend-name', 'data-testid': 'friend-name', text: entry.name }),
      h('span', { class: 'friend-track', 'data-testid': 'friend-track', text: last ? `${last.title} — ${last.artist_name}` : '' })),
    h('span', { class: `friend-time${playing ? ' live' : ''}`, 'data-testid': 'friend-time', text: when }));
}

export function friendsSidebar() {
  const entries = new Map();
  const list = h('ul', { class: 'friend-list', 'aria-label': 'Friend activity' });
  const requests = h('ul', { class: 'friend-requests', 'aria-label': 'Friend requests' });
  const privacy = { private_session: false, private_until: null, publish_activity: true };
  const privateSwitch = h('button', { type: 'button', role: 'switch', 'aria-checked': 'false', 'data-testid': 'private-session', class: 'switch', 'aria-label': 'Private session' },
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }), h('span', { text: 'Private session' }));
  const nameInput = h('input', { type: 'text', 'aria-label': "Friend's user name", placeholder: 'User name', autocomplete: 'off', required: true });

  const render = () => {
    const items = [...entries.values()].sort((a, b) => b.at - a.at);
    list.replaceChildren(...(items.length ? items.map(entryView) : [h('li', { class: 'empty', text: 'No friend activity yet' })]));
  };
  const showPrivacy = () => {
    const hidden = privacy.private_session || !privacy.publish_activity;
    privateSwitch.setAttribute('aria-checked', String(privacy.private_session));
    privateSwitch.title = hidden ? 'Your friends do not see what you play' : 'Your friends see what you play';
  };
  const savePrivacy = async (changes) => {
    try {
      Object.assign(privacy, await api('/me/privacy', { method: 'PUT', body: { ...privacy, ...changes } }));
      showPrivacy();
    } catch (error) {
      failed('Could not change privacy', error);
    }
  };
  const loadFeed = async () => {
    const feed = await api('/friends/activity');
    entries.clear();
    for (const entry of feed.items) entries.set(entry.user_id, entry);
    render();
  };
  const loadRequests = async () => {
    const pending = await api('/friends/requests');
    requests.replaceChildren(...pending.map((request) => {
      const mine = request.from_user_id === session.user?.id;
      return h('li', { 'data-testid': 'friend-request', class: 'friend-request' },
        h('span', { text: mine ? `Sent to ${request.to_name}` : `${request.from_name} wants to be friends` }),
        mine ? null : h('button', { type: 'button', text: 'Accept', onClick: () => act(`/friends/requests/${request.id}/accept`, 'POST') }),
        h('button', { type: 'button', text: mine ? 'Withdraw' : 'Decline', onClick: () => act(`/friends/requests/${request.id}`, 'DELETE') }));
    }));
  };
  const act = async (path, method) => {
    try {
      await api(path, { method });
      await Promise.all([loadRequests(), loadFeed()]);
    } catch (error) {
      failed('Friend request', error);
    }
  };
  const refresh = () => Promise.all([loadFeed(), loadRequests()]).catch((error) => {
    if (error.status === 503) list.replaceChildren(h('li', { class: 'empty', text: 'Friend activity needs a presence backend on the server' }));
    else failed('Could not load friends', error);
  });

  privateSwitch.addEventListener('click', () => savePrivacy({ private_session: !privacy.private_session, private_until: null }));
  const settingsButton = h('button', { type: 'button', class: 'link-button', text: 'Privacy settings', onClick: () => privacyDialog(privacy, savePrivacy) });
  const form = h('form', {
    class: 'add-friend',
    onSubmit: async (event) => {
      event.preventDefault();
      const username = nameInput.value.trim();
      if (!username) return;
      try {
        await api('/friends/requests', { method: 'POST', body: { username } });
        nameInput.value = '';
        toast(`Friend request sent to ${username}`);
        await loadRequests();
      } catch (error) {
        failed('Could not send the request', error);
      }
    },
  }, nameInput, h('button', { type: 'submit', text: 'Send friend request' }));

  live.on('friend_activity', (message) => { entries.set(message.entry.user_id, message.entry); render(); });
  live.on('friend_activity.removed', (message) => {
    const entry = entries.get(message.user_id);
    // Paused or private: the now-playing goes; a friend with no recent plays leaves the list.
    if (entry) entries.delete(message.user_id);
    render();
    loadFeed().catch(() => {});
  });
  live.on('friends.changed', () => refresh());
  live.on('status', (event) => { if (event.connected) refresh(); });
  // Relative times ("5 min ago") age while the page stays open.
  setInterval(render, 60_000);

  api('/me/privacy').then((answer) => { Object.assign(privacy, answer); showPrivacy(); }).catch(() => {});
  refresh();

  return h('aside', { class: 'friends', 'aria-label': 'Friends', id: 'friends' },
    h('h2', { text: 'Friends' }),
    h('div', { class: 'privacy-row' }, privateSwitch, settingsButton),
    list,
    h('h3', { text: 'Add a friend' }),
    form,
    requests);
}

function privacyDialog(privacy, save) {
  dialog('Privacy settings', (close) => {
    const privateBox = h('input', { type: 'checkbox', checked: privacy.private_session });
    const share = h('input', { type: 'checkbox', checked: privacy.publish_activity });
    const hours = h('select', { 'aria-label': 'Private session ends' },
      h('option', { value: '', text: 'When I turn it off' }),
      h('option', { value: '1', text: 'In 1 hour' }),
      h('option', { value: '8', text: 'In 8 hours' }));
    return h('form', {
      onSubmit: async (event) => {
        event.preventDefault();
        const until = privateBox.checked && hours.value ? Date.now() / 1000 + Number(hours.value) * 3600 : null;
        await save({ private_session: privateBox.checked, private_until: until, publish_activity: share.checked });
        close();
      },
    },
    h('label', { class: 'check' }, privateBox, 'Private session'),
    h('label', {}, 'Private session ends', hours),
    h('label', { class: 'check' }, share, 'Share my listening activity'),
    h('p', { class: 'hint', text: 'While a private session is on, or sharing is off, friends see nothing of what you play.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', text: 'Cancel', onClick: close }),
      h('button', { type: 'submit', class: 'primary', text: 'Save' })));
  });
}
