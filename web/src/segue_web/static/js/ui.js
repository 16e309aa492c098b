// Shared pieces of the interface: notices, covers, cards, the popup menu,
// small dialogs.

import { withToken } from './api.js';
import { h } from './dom.js';

/** Show a short notice in the live region (errors and confirmations). */
export function toast(message, { error = false } = {}) {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast${error ? ' toast-error' : ''}`, 'data-testid': 'toast', text: message });
  region.append(item);
  setTimeout(() => item.remove(), error ? 8000 : 4000);
}

/** Report a failed action without a stack trace. */
export function failed(what, error) {
  if (error?.name === 'AbortError') return;
  toast(`${what}: ${error?.detail || error?.message || error}`, { error: true });
}

/** A cover image, or a placeholder when there is none (never a broken image). */
export function cover(url, alt, className = 'cover') {
  // Offline, an uncached cover would fail loudly: show the placeholder instead.
  if (!url || !navigator.onLine) return h('div', { class: `${className} cover-placeholder`, role: 'img', 'aria-label': alt || 'No cover' }, '♪');
  return h('img', { class: className, src: withToken(url), alt, loading: 'lazy', decoding: 'async' });
}

export function albumCard(album) {
  return h('a', { class: 'card', href: `#/albums/${album.id}`, 'data-testid': 'album-card', 'data-album-id': album.id },
    cover(album.cover_url, ''),
    h('span', { class: 'card-title', text: album.title }),
    h('span', { class: 'card-detail', text: [album.artist_name, album.year].filter(Boolean).join(' · ') }));
}

export function artistCard(artist) {
  return h('a', { class: 'card', href: `#/artists/${artist.id}`, 'data-testid': 'artist-card', 'data-artist-id': artist.id },
    h('div', { class: 'cover cover-placeholder artist-avatar', 'aria-hidden': 'true', text: (artist.name || '?').slice(0, 1) }),
    h('span', { class: 'card-title', text: artist.name }),
    h('span', { class: 'card-detail', text: `${artist.album_count ?? 0} albums · ${artist.track_count ?? 0} tracks` }));
}

export function grid(label, items) {
  return h('div', { class: 'grid', role: 'list', 'aria-label': label },
    items.map((item) => h('div', { role: 'listitem' }, item)));
}

// ---- Popup menu ----------------------------------------------------------

let openMenuState = null;

export function closeMenu() {
  if (!openMenuState) return;
  const { menu, anchor, onDocument } = openMenuState;
  openMenuState = null;
  menu.remove();
  document.removeEventListener('pointerdown', onDocument, true);
  anchor.setAttribute('aria-expanded', 'false');
  if (document.activeElement === document.body || !document.activeElement) anchor.focus();
}

/**
 * Open a menu under `anchor`. Items: `{label, action, checked?, testid?}`,
 * or `{label, submenu}` where `submenu()` answers the items replacing these.
 */
export function openMenu(anchor, items, label = 'Actions') {
  closeMenu();
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': label });
  const fill = (list) => {
    menu.replaceChildren(...list.map((item) => {
      const checkable = typeof item.checked === 'boolean';
      return h('button', {
        type: 'button', role: checkable ? 'menuitemcheckbox' : 'menuitem', class: 'menu-item',
        'aria-checked': checkable ? String(item.checked) : null, 'data-testid': item.testid || null,
        tabindex: '-1', text: item.label,
        onClick: async () => {
          if (item.submenu) {
            fill(await item.submenu());
            menu.querySelector('[role^=menuitem]')?.focus();
            return;
          }
          // Close first: an action may take a while (a download) and reports by itself.
          closeMenu();
          await item.action();
        },
      });
    }));
  };
  fill(items);
  menu.addEventListener('keydown', (event) => {
    const entries = [...menu.querySelectorAll('[role^=menuitem]')];
    const index = entries.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') entries[(index + 1) % entries.length]?.focus();
    else if (event.key === 'ArrowUp') entries[(index - 1 + entries.length) % entries.length]?.focus();
    else if (event.key === 'Escape') closeMenu();
    else if (event.key === 'Tab') closeMenu();
    else return;
    event.preventDefault();
    event.stopPropagation();
  });
  const onDocument = (event) => {
    if (!menu.contains(event.target) && !anchor.contains(event.target)) closeMenu();
  };
  document.addEventListener('pointerdown', onDocument, true);
  document.body.append(menu);
  const box = anchor.getBoundingClientRect();
  const top = Math.min(box.bottom + 4, window.innerHeight - menu.offsetHeight - 8);
  const left = Math.min(Math.max(8, box.right - menu.offsetWidth), window.innerWidth - menu.offsetWidth - 8);
  menu.style.top = `${Math.max(8, top)}px`;
  menu.style.left = `${left}px`;
  anchor.setAttribute('aria-expanded', 'true');
  openMenuState = { menu, anchor, onDocument };
  menu.querySelector('[role^=menuitem]')?.focus();
}

// ---- Dialogs ---------------------------------------------------------------

/** A modal dialog (native <dialog>); `build(close)` answers its content. */
export function dialog(title, build) {
  const element = h('dialog', { class: 'dialog', 'aria-label': title });
  const close = () => { element.close(); };
  element.addEventListener('close', () => element.remove());
  element.append(h('h2', { text: title }), build(close));
  document.body.append(element);
  element.showModal();
  return element;
}

/** Ask for one line of text; resolves to the text, or null when cancelled. */
export function prompt(title, label, initial = '', submit = 'Create') {
  return new Promise((resolve) => {
    let answered = false;
    const element = dialog(title, (close) => {
      const input = h('input', { type: 'text', value: initial, 'aria-label': label, required: true, maxlength: '200' });
      return h('form', {
        method: 'dialog',
        onSubmit: (event) => {
          event.preventDefault();
          answered = true;
          resolve(input.value.trim() || null);
          close();
        },
      },
      h('label', {}, label, input),
      h('div', { class: 'actions' },
        h('button', { type: 'button', text: 'Cancel', onClick: close }),
        h('button', { type: 'submit', class: 'primary', text: submit })));
    });
    element.addEventListener('close', () => { if (!answered) resolve(null); });
  });
}
