// Entry point: the login form, the layout (banner, navigation, main,
// friends, player), hash routing and keyboard shortcuts.

import { api, LOGGED_OUT, login, logout, session } from './api.js';
import { bandwidth } from './bandwidth.js';
import { debounce, h, isTyping, replace } from './dom.js';
import { friendsSidebar } from './friends.js';
import { icon } from './icons.js';
import { library } from './library.js';
import { player } from './player.js';
import { playerBar } from './playerbar.js';
import { queue } from './queue.js';
import { resolve } from './router.js';
import { acceptTracks, offline } from './tracks.js';
import { closeMenu, failed, toast } from './ui.js';
import { live } from './ws.js';

const root = document.getElementById('app');
let readyResolve;
const ready = new Promise((r) => { readyResolve = r; });
let renderToken = 0;
let laidOut = false;

// ---- Login -----------------------------------------------------------------

function showLogin(message) {
  root.dataset.state = 'login';
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error', hidden: !message, text: message || '' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Log in' });
  const form = h('form', {
    class: 'login', 'aria-label': 'Log in',
    onSubmit: async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        await login(user.value.trim(), password.value);
        // Modules keep listeners from the first layout: a fresh page is the clean way back.
        if (laidOut) location.reload();
        else await start();
      } catch (e) {
        error.hidden = false;
        error.textContent = e.status === 401 || e.status === 400 ? 'Wrong user name or password' : e.detail || String(e);
        submit.disabled = false;
        password.select();
      }
    },
  },
  h('h1', { text: 'Segue' }),
  h('label', { for: 'login-user', text: 'User name' }), user,
  h('label', { for: 'login-password', text: 'Password' }), password,
  error, submit);
  replace(root, h('main', { id: 'main', class: 'login-page' }, form));
  user.focus();
}

// ---- Layout ----------------------------------------------------------------

const NAV = [
  ['Home', '#/'], ['Artists', '#/artists'], ['Albums', '#/albums'], ['Genres', '#/genres'],
  ['Playlists', '#/playlists'], ['Library', '#/library'], ['History', '#/history'],
  ['Offline', '#/offline'], ['Settings', '#/settings'],
];

function sidebarPlaylists() {
  const list = h('ul', { class: 'sidebar-playlists', 'aria-label': 'Your playlists' });
  const show = () => list.replaceChildren(...library.playlists.map((p) => {
    const link = h('a', { href: `#/playlists/${p.id}`, 'data-testid': 'sidebar-playlist', 'data-playlist-id': p.id, text: p.name });
    if (p.can_edit) {
      acceptTracks(link, async (ids) => {
        try {
          await library.addToPlaylist(p.id, ids);
          toast(`Added to “${p.name}”`);
          window.dispatchEvent(new CustomEvent('segue:playlist-changed', { detail: { id: p.id } }));
        } catch (error) {
          failed('Could not add to the playlist', error);
        }
      });
    }
    return h('li', {}, link);
  }));
  library.addEventListener('playlists', show);
  show();
  return list;
}

function layout() {
  laidOut = true;
  root.dataset.state = 'ready';
  const search = h('input', {
    type: 'search', id: 'search', 'aria-label': 'Search', 'data-testid': 'search-input',
    placeholder: 'Search', title: 'Search (press /)', autocomplete: 'off',
  });
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  if (location.hash.startsWith('#/search')) search.value = params.get('q') || '';
  const go = debounce(() => {
    const q = search.value.trim();
    const target = q ? `#/search?q=${encodeURIComponent(q)}` : '#/';
    // Replace, not push: one history entry per search, not per key.
    if (location.hash.startsWith('#/search')) history.replaceState(null, '', target);
    else history.pushState(null, '', target);
    route();
  }, 250);
  search.addEventListener('input', go);
  search.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); go(); } });

  const nav = h('nav', { class: 'nav', 'aria-label': 'Main', id: 'nav' },
    h('ul', {}, [...NAV, ...(session.user?.is_admin ? [['Admin', '#/admin']] : [])]
      .map(([label, href]) => h('li', {}, h('a', { href, 'data-nav': href, text: label })))),
    h('h2', { class: 'nav-heading', text: 'Playlists' }),
    sidebarPlaylists());
  const menuButton = h('button', { type: 'button', class: 'menu-toggle', 'aria-label': 'Menu', 'aria-expanded': 'false', 'aria-controls': 'nav' }, icon('menu'));
  const friendsButton = h('button', { type: 'button', class: 'friends-toggle', 'aria-label': 'Friends', 'aria-expanded': 'false', 'aria-controls': 'friends' }, icon('friends'));
  menuButton.addEventListener('click', () => {
    const open = !root.classList.contains('nav-open');
    root.classList.toggle('nav-open', open);
    menuButton.setAttribute('aria-expanded', String(open));
  });
  friendsButton.addEventListener('click', () => {
    const open = !root.classList.contains('friends-open');
    root.classList.toggle('friends-open', open);
    friendsButton.setAttribute('aria-expanded', String(open));
  });
  nav.addEventListener('click', (event) => {
    if (event.target.closest('a')) {
      root.classList.remove('nav-open');
      menuButton.setAttribute('aria-expanded', 'false');
    }
  });
  const banner = h('header', { class: 'banner', role: 'banner' },
    menuButton,
    h('a', { class: 'brand', href: '#/', text: 'Segue' }),
    h('div', { class: 'search-box', role: 'search' }, search),
    friendsButton,
    h('span', { class: 'user-name', text: session.user?.name || '' }),
    h('button', { type: 'button', class: 'link-button', text: 'Log out', onClick: signOut }));
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  replace(root,
    banner,
    h('div', { class: 'body' }, nav, main, friendsSidebar()),
    playerBar(),
    h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' }));
}

async function signOut() {
  player.pause({ report: false });
  live.stop();
  await logout();
  location.hash = '#/';
  location.reload();
}

// ---- Routing ---------------------------------------------------------------

async function route() {
  if (root.dataset.state !== 'ready') return;
  const main = document.getElementById('main');
  if (!main) return;
  closeMenu();
  const hash = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const [path, queryString] = hash.split('?');
  const { view, params } = resolve(path);
  const search = document.getElementById('search');
  if (search && view.name !== 'search' && document.activeElement !== search) search.value = '';
  document.querySelectorAll('.nav a').forEach((a) => {
    const href = a.dataset.nav;
    const current = href === '#/' ? path === '/' : `#${path}`.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const token = ++renderToken;
  main.setAttribute('aria-busy', 'true');
  delete main.dataset.view;
  try {
    const module = await view.load();
    if (token !== renderToken) return;
    const content = await module.render({ params, query: new URLSearchParams(queryString || ''), isCurrent: () => token === renderToken });
    if (token !== renderToken) return;
    replace(main, content);
    main.dataset.view = view.name;
    // After following a navigation link, move focus to the new page (screen readers announce it).
    if (document.activeElement?.closest?.('nav, .banner a')) main.focus({ preventScroll: true });
  } catch (error) {
    if (token !== renderToken) return;
    replace(main, h('div', { class: 'page' },
      h('h1', { text: error.status === 404 ? 'Not found' : 'Something went wrong' }),
      h('p', { role: 'alert', text: error.detail || error.message || String(error) })));
    main.dataset.view = 'error';
  } finally {
    if (token === renderToken) main.removeAttribute('aria-busy');
  }
}

// ---- Keyboard --------------------------------------------------------------

function onKey(event) {
  if (root.dataset.state !== 'ready' || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector('dialog[open]')) return;
  if (event.key === '/' && !isTyping(event.target)) {
    event.preventDefault();
    document.getElementById('search')?.focus();
    return;
  }
  if (isTyping(event.target)) return;
  const onControl = event.target instanceof Element && event.target.closest('button, a, [role=menu], select');
  const onSlider = event.target instanceof HTMLInputElement && event.target.type === 'range';
  switch (event.key) {
    case ' ':
      if (onControl) return; // space activates the focused button
      event.preventDefault();
      player.toggle();
      break;
    case 'ArrowLeft':
    case 'ArrowRight':
      if (onSlider || event.target.closest?.('[role=menu]')) return;
      event.preventDefault();
      player.seekBy(event.key === 'ArrowLeft' ? -5000 : 5000);
      break;
    case 'ArrowUp':
    case 'ArrowDown':
      if (onSlider || event.target.closest?.('[role=menu]')) return;
      event.preventDefault();
      player.setVolume(player.volume + (event.key === 'ArrowUp' ? 0.05 : -0.05));
      break;
    case 'Escape':
      closeMenu();
      break;
    default:
  }
}

// ---- Startup ---------------------------------------------------------------

async function restorePlayback() {
  const state = await queue.load();
  if (state.current) {
    await player.load(state.current, { positionMs: state.position_ms || 0, autoplay: false, report: false });
  }
}

async function start() {
  try {
    session.user = await api('/me');
  } catch (error) {
    // A refused token already brought the login form back (LOGGED_OUT).
    if (error.status === 401 || !session.token) { if (root.dataset.state !== 'login') showLogin(); return; }
    // The server may be unreachable: go on with the remembered user (offline use).
  }
  layout();
  player.init();
  live.start();
  // The page renders at once; saved marks and the restored track fill in as they arrive.
  await Promise.all([
    route(),
    library.load().catch((error) => failed('Could not load your library', error)),
    restorePlayback().catch(() => {}),
  ]);
  readyResolve();
  bandwidth.probe(queue.current).then(() => player.emit('quality'));
}

function boot() {
  window.addEventListener('hashchange', route);
  window.addEventListener(LOGGED_OUT, () => {
    live.stop();
    player.pause({ report: false });
    showLogin('Your session ended; please log in again');
  });
  document.addEventListener('keydown', onKey);
  document.addEventListener('click', (event) => {
    const skip = event.target.closest?.('.skip-link');
    if (!skip) return;
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  player.addEventListener('notice', (event) => toast(event.detail.message, { error: true }));
  window.segue = {
    ready,
    player, queue, live, library,
    state: () => ({
      trackId: player.track?.id ?? null,
      paused: player.paused,
      positionMs: player.positionMs,
      durationMs: player.durationMs,
      quality: player.quality,
      qualityInUse: player.qualityInUse,
      bandwidthKbps: bandwidth.estimate,
      normalize: player.normalize,
      gainDb: player.appliedGainDb,
      volume: player.volume,
      deviceId: live.deviceId,
      prefetchedTrackId: player.tracks[1 - player.active]?.id ?? null,
      queue: queue.state.track_ids.slice(queue.state.position),
    }),
  };
  if ('serviceWorker' in navigator) {
    offline().then((module) => module?.registerServiceWorker()).catch(() => {});
  }
  if (session.token) start();
  else showLogin();
}

boot();
