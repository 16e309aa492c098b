// Inline SVG icons (system fonts lack most media symbols). Decorative:
// buttons carry their names in aria-label.

const PATHS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zm8 0h4v14h-4z',
  previous: 'M6 6h2v12H6zm3.5 6 8.5 6V6z',
  next: 'M16 6h2v12h-2zM6 18l8.5-6L6 6z',
  shuffle: 'M10.6 9.2 5.4 4 4 5.4l5.2 5.2zM14.5 4l2 2L4 18.6 5.4 20 18 7.5l2 2V4zm.3 9.4-1.4 1.4 3.1 3.1L14.5 20H20v-5.5l-2 2z',
  repeat: 'M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2z',
  repeatOne: 'M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2zm-4-2V9h-1l-2 1v1h1.5v4z',
  queue: 'M3 6h13v2H3zm0 5h13v2H3zm0 5h9v2H3zm15-5v6.2a3 3 0 1 0 2 2.8V13h2v-2z',
  devices: 'M4 6h18V4H4a2 2 0 0 0-2 2v11H0v3h14v-3H4zm19 2h-6a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h6a1 1 0 0 0 1-1V9a1 1 0 0 0-1-1zm-1 9h-4v-7h4z',
  friends: 'M16 11a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13zm8 0h-1.1A4.2 4.2 0 0 1 17 16.5V19h6v-2.5c0-2.3-4.7-3.5-7-3.5z',
  menu: 'M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z',
  more: 'M6 10a2 2 0 1 0 2 2 2 2 0 0 0-2-2zm6 0a2 2 0 1 0 2 2 2 2 0 0 0-2-2zm6 0a2 2 0 1 0 2 2 2 2 0 0 0-2-2z',
  heart: 'M12 21 10.6 19.7C5.4 15 2 12 2 8.3A5.3 5.3 0 0 1 7.5 3 5.9 5.9 0 0 1 12 5.1 5.9 5.9 0 0 1 16.5 3 5.3 5.3 0 0 1 22 8.3c0 3.7-3.4 6.7-8.6 11.4z',
  heartOutline: 'M16.5 3A5.9 5.9 0 0 0 12 5.1 5.9 5.9 0 0 0 7.5 3 5.3 5.3 0 0 0 2 8.3c0 3.7 3.4 6.7 8.6 11.4L12 21l1.4-1.3C18.6 15 22 12 22 8.3A5.3 5.3 0 0 0 16.5 3zm-4.4 15.1-.1.1-.1-.1C7.1 13.8 4 11 4 8.3A3.3 3.3 0 0 1 7.5 5a3.9 3.9 0 0 1 3.6 2.4h1.9A3.9 3.9 0 0 1 16.5 5 3.3 3.3 0 0 1 20 8.3c0 2.7-3.1 5.5-7.9 9.8z',
  up: 'M7 14l5-5 5 5z',
  down: 'M7 10l5 5 5-5z',
  close: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
};

/** An <svg> icon by name. */
export function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', PATHS[name] || '');
  svg.append(path);
  return svg;
}
