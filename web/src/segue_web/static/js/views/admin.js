// Admin: scan status and "scan now", plugins, users, the transcoding queue,
// duplicate groups and the royalties report. Each section loads on its own;
// a plugin that is not installed shows as such instead of failing the page.

import { api, session } from '../api.js';
import { ago, h } from '../dom.js';
import { failed, toast } from '../ui.js';

function section(name, testid) {
  const body = h('div', { class: 'admin-body', 'aria-busy': 'true', text: 'Loading…' });
  const element = h('section', { class: 'admin-section', role: 'region', 'aria-label': name, 'data-testid': testid ? `admin-${testid}` : null },
    h('h2', { text: name }), body);
  return { element, body };
}

function table(label, testid, headers, rows) {
  return h('table', { 'aria-label': label, 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col', text: title })))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell))))));
}

async function fill(part, build) {
  try {
    part.body.replaceChildren(await build());
  } catch (error) {
    part.body.replaceChildren(h('p', { class: 'empty', text: error.status === 404 ? 'Not available on this server (plugin not installed).' : `Could not load: ${error.detail || error.message}` }));
  } finally {
    part.body.removeAttribute('aria-busy');
  }
}

function scanSection() {
  const part = section('Scan', 'scan');
  let timer = 0;
  const build = async () => {
    const scan = await api('/admin/scan');
    const report = scan.last_report;
    const progress = scan.progress;
    const status = scan.running
      ? `Scanning… ${progress ? `${progress.phase}: ${progress.files_read}/${progress.files_to_read || '?'} files read, ${progress.files_seen} seen` : ''}`
      : report ? `Last scan ${report.state} ${ago(report.finished_at || report.started_at)}: ${report.files_seen} files, ${report.added} added, ${report.changed} changed, ${report.removed} removed, ${report.problems} problems` : 'No scan yet';
    clearTimeout(timer);
    if (scan.running) timer = setTimeout(() => { if (part.element.isConnected) fill(part, build); }, 1000);
    const button = h('button', {
      type: 'button', class: 'primary', text: 'Scan now', disabled: scan.running,
      onClick: async () => {
        try {
          await api('/admin/scan', { method: 'POST' });
          toast('Scan started');
          await fill(part, build);
        } catch (error) {
          failed('Could not start a scan', error);
        }
      },
    });
    return h('div', {},
      h('p', { 'data-testid': 'scan-status', 'data-running': String(scan.running), text: status }),
      button,
      scan.problems?.length ? h('details', {}, h('summary', { text: `${scan.problems.length} unreadable files` }),
        h('ul', {}, scan.problems.map((p) => h('li', { text: `${p.path || p.relpath || ''}: ${p.error || p.reason || ''}` })))) : null);
  };
  fill(part, build);
  return part.element;
}

function pluginsSection() {
  const part = section('Plugins', 'plugins');
  fill(part, async () => {
    const plugins = await api('/admin/plugins');
    return table('Plugins', 'plugins-table', ['Name', 'Version', 'Status', 'Hooks', 'Backends'],
      plugins.map((p) => [p.name, p.version || '', `${p.status}${p.reason ? ` (${p.reason})` : ''}`, (p.hooks || []).join(', '),
        (p.backends || []).map((b) => (typeof b === 'string' ? b : `${b.slot}:${b.name}`)).join(', ')]));
  });
  return part.element;
}

function usersSection() {
  const part = section('Users', 'users');
  const build = async () => {
    const users = await api('/admin/users');
    const name = h('input', { type: 'text', 'aria-label': 'New user name', placeholder: 'User name', required: true, autocomplete: 'off' });
    const password = h('input', { type: 'password', 'aria-label': 'New user password', placeholder: 'Password', required: true, autocomplete: 'new-password' });
    const admin = h('input', { type: 'checkbox' });
    const form = h('form', {
      class: 'inline-form',
      onSubmit: async (event) => {
        event.preventDefault();
        try {
          await api('/admin/users', { method: 'POST', body: { name: name.value.trim(), password: password.value, is_admin: admin.checked } });
          toast(`User ${name.value.trim()} created`);
          await fill(part, build);
        } catch (error) {
          failed('Could not create the user', error);
        }
      },
    }, name, password, h('label', { class: 'check' }, admin, 'Administrator'), h('button', { type: 'submit', text: 'Create user' }));
    return h('div', {},
      table('Users', 'users-table', ['Name', 'Role', 'Created'], users.map((u) => [u.name, u.is_admin ? 'admin' : 'user', new Date(u.created_at * 1000).toLocaleDateString()])),
      form);
  };
  fill(part, build);
  return part.element;
}

function transcoderSection() {
  const part = section('Transcoding', 'transcoding');
  fill(part, async () => {
    const t = await api('/admin/transcoder');
    const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
    return h('div', { 'data-testid': 'transcoder-status' },
      h('dl', { class: 'stats' },
        h('dt', { text: 'Queue' }), h('dd', { 'data-testid': 'transcoder-queue', text: `${t.queue_lag} jobs waiting` }),
        h('dt', { text: 'Live encodes' }), h('dd', { text: String(t.live_transcodes) }),
        h('dt', { text: 'Loudness measured' }), h('dd', { text: `${t.measured} of ${t.tracks} tracks` }),
        h('dt', { text: 'Cache' }), h('dd', { text: `${mib(t.cache_bytes)} of ${mib(t.cache_limit_bytes)}` }),
        h('dt', { text: 'Modes' }), h('dd', { text: (t.modes || []).join(', ') }),
        h('dt', { text: 'Ladder' }), h('dd', { text: (t.ladder || []).join(', ') })),
      t.failures?.length ? table('Failed tracks', 'transcoder-failures', ['Track', 'Reason'], t.failures.map((f) => [f.track_id || f.id || '', f.error || f.reason || ''])) : h('p', { text: 'No failures.' }));
  });
  return part.element;
}

function duplicatesSection() {
  const part = section('Duplicates', 'duplicates');
  const build = async () => {
    const groups = await api('/admin/duplicates');
    if (!groups.length) return h('p', { class: 'empty', text: 'No duplicate files found.' });
    return h('ul', { class: 'duplicates' }, groups.map((group) => h('li', { 'data-testid': 'duplicate-group', 'data-group-id': group.id },
      h('p', { text: `${group.members.length} files, similarity ${(group.similarity * 100).toFixed(0)} %` }),
      h('ul', {}, group.members.map((m) => h('li', {},
        h('span', { text: `${m.relpath} (${m.codec}${m.bitrate ? `, ${Math.round(m.bitrate / 1000)} kbps` : ''})` }),
        m.track_id === group.preferred_track_id ? h('strong', { text: ' preferred' }) : h('button', {
          type: 'button', class: 'link-button', text: 'Prefer this file',
          onClick: async () => {
            try {
              await api(`/admin/duplicates/${group.id}/preferred`, { method: 'PUT', body: { track_id: m.track_id } });
              await fill(part, build);
            } catch (error) {
              failed('Could not choose', error);
            }
          },
        })))))));
  };
  fill(part, build);
  return part.element;
}

function royaltiesSection() {
  const part = section('Royalties', 'royalties');
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const from = h('input', { type: 'date', 'aria-label': 'From', value: iso(new Date(today.getFullYear(), today.getMonth(), 1)) });
  const to = h('input', { type: 'date', 'aria-label': 'To', value: iso(today) });
  const pool = h('input', { type: 'text', inputmode: 'decimal', 'aria-label': 'Revenue pool', value: '1000.00', pattern: '[0-9]+(\\.[0-9]{1,2})?' });
  const by = h('select', { 'aria-label': 'Split by' }, h('option', { value: 'artist', text: 'by artist' }), h('option', { value: 'label', text: 'by label' }));
  const result = h('div', { class: 'royalties-result' });
  const form = h('form', {
    class: 'inline-form',
    onSubmit: async (event) => {
      event.preventDefault();
      try {
        const report = await api('/admin/royalties', { params: { from: from.value, to: to.value, pool: pool.value, by: by.value } });
        result.replaceChildren(
          h('p', { 'data-testid': 'royalties-total', text: `${report.total_streams} counted streams from ${report.from} to ${report.to}; pool ${report.pool} ${report.currency}` }),
          table('Royalties', 'royalties-table', ['Rights holder', 'Streams', `Amount (${report.currency})`], report.rows.map((r) => [r.holder, String(r.streams), r.amount])));
      } catch (error) {
        result.replaceChildren(h('p', { role: 'alert', text: error.status === 404 ? 'The royalties plugin is not installed.' : error.detail || error.message }));
      }
    },
  }, h('label', {}, 'From ', from), h('label', {}, 'To ', to), h('label', {}, 'Pool ', pool), by, h('button', { type: 'submit', text: 'Show report' }));
  part.body.replaceChildren(form, result);
  part.body.removeAttribute('aria-busy');
  return part.element;
}

export async function admin() {
  if (!session.user?.is_admin) {
    const error = new Error('this page is for administrators');
    error.status = 403;
    throw error;
  }
  return h('div', { class: 'page admin' }, h('h1', { text: 'Administration' }),
    scanSection(), pluginsSection(), usersSection(), transcoderSection(), duplicatesSection(), royaltiesSection());
}
